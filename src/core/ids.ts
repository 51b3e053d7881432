import { randomBytes } from 'node:crypto';

/** Sortable unique id: 12 hex chars of milliseconds then 16 random hex chars (like a ULID, but plain hex). */
export function newId(): string {
  return Date.now().toString(16).padStart(12, '0') + randomBytes(8).toString('hex');
}
