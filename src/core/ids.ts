import { randomBytes } from 'node:crypto';

// the random part is drawn once per process (and again every 16M ids), then counted: ids are minted per prediction, and a
// draw of random bytes per id cost a tenth of the work of answering one
let prefix = '';
let counter = 0x1000000;
let lastMs = -1;
let lastMsHex = '';

/**
 * Sortable unique id: 12 hex chars of milliseconds, then 10 hex chars random to this process and 6 of a counter (like a
 * ULID, but plain hex). Unique within a process by the counter, across processes by the 40 random bits; not a secret.
 */
export function newId(): string {
  if (counter >= 0x1000000) {
    prefix = randomBytes(5).toString('hex');
    counter = 0;
  }
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastMsHex = ms.toString(16).padStart(12, '0');
  }
  return lastMsHex + prefix + (counter++).toString(16).padStart(6, '0');
}
