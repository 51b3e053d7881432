import { invalid } from '../core/errors.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** "1h", "6h", "1d", "7d" as milliseconds (whole hours or days: stored windows are compacted to hours). */
export function parseWindowLength(field: string, text: string): number {
  const m = /^([1-9][0-9]{0,3})([hd])$/.exec(text);
  if (!m) throw invalid(`${field} must be a number of hours or days such as 1h, 6h, 1d (got "${text.slice(0, 32)}")`);
  return Number(m[1]) * (m[2] === 'h' ? HOUR_MS : 24 * HOUR_MS);
}
