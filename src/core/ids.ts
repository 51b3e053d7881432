import { randomFillSync } from 'node:crypto';

// random bytes drawn 4 KiB at a time: one system call per 512 ids instead of one per id (ids are minted per prediction)
const pool = Buffer.alloc(4096);
let at = pool.length;

/** Sortable unique id: 12 hex chars of milliseconds then 16 random hex chars (like a ULID, but plain hex). */
export function newId(): string {
  if (at + 8 > pool.length) {
    randomFillSync(pool);
    at = 0;
  }
  const r = pool.toString('hex', at, at + 8);
  at += 8;
  return Date.now().toString(16).padStart(12, '0') + r;
}
