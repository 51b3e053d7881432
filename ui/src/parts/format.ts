/** A time as UTC `YYYY-MM-DD HH:MM` (or with seconds); empty for none. */
export function when(ms: number | null, precision: 'minutes' | 'seconds' = 'minutes'): string {
  return ms === null ? '' : new Date(ms).toISOString().slice(0, precision === 'seconds' ? 19 : 16).replace('T', ' ');
}
