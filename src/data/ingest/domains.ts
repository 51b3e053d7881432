import type { TextValues } from '../csv/text-values.ts';
import type { ColumnProfile } from '../profile-types.ts';

/** Per categorical or boolean column: every value it holds, sorted, or null when there are more than DOMAIN_LIMIT. */
export type Domains = Map<string, string[] | null>;

/** Columns with more distinct values than this keep no domain in their schema. */
export const DOMAIN_LIMIT = 1000;

/** A text column's domain from its counted values. */
export function domainOfValues(values: TextValues): string[] | null {
  return values.counted(DOMAIN_LIMIT)?.sort() ?? null;
}

/**
 * A boolean column of numbers' domain (it holds at most two values, its minimum and maximum), written as DuckDB casts its
 * storage type to text: "0" and "1" for BIGINT, "0.0" and "1.0" for DOUBLE.
 */
export function domainOfNumbers(c: ColumnProfile, storage: string): string[] | null {
  if (c.min === null || c.max === null || c.count === 0) return [];
  const text = (v: number) => (storage === 'DOUBLE' && Number.isInteger(v) ? v.toFixed(1) : String(v));
  return [...new Set([text(c.min), text(c.max)])].sort();
}
