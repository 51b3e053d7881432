import { EXACT_DISTINCT_UP_TO, type NumberStats } from './describe-numbers.ts';
import type { ColumnProfile, ColumnType, FileProfile } from './profile-types.ts';

export const QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];
/** top values reported per text column */
export const TOP = 20;

/** What a reader measured of a text column. */
export interface TextStats {
  count: number;
  distinct: number;
  avgLength: number;
  top: { value: string; count: number }[];
}

/** One column as a reader described it: its storage type and the statistics of its numbers or of its text. */
export interface DescribedColumn {
  name: string;
  /** DuckDB's type name (BIGINT, DOUBLE, DATE, TIMESTAMP, VARCHAR, ...) */
  storage: string;
  numbers?: NumberStats;
  text?: TextStats;
}

const NUMERIC_STORAGE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/;
const TEMPORAL_STORAGE = /^(DATE|TIMESTAMP.*|TIME)$/;

export function isNumericType(t: string): boolean {
  return NUMERIC_STORAGE.test(t);
}

export function isTemporalType(t: string): boolean {
  return TEMPORAL_STORAGE.test(t);
}

const BOOLEAN_WORDS = new Set(['true', 'false', 'yes', 'no', 'y', 'n', 't', 'f']);

/** The semantic type of a column from its statistics. */
function inferType(c: { storage: string; rows: number; count: number; distinct: number; integral: boolean; min: number; max: number; avgLength: number; words: string[] }): ColumnType {
  if (isTemporalType(c.storage)) return 'datetime';
  // numeric distinct counts are HyperLogLog estimates (~1-2% error at a million rows)
  const allUnique = c.count === c.rows && c.distinct >= (isNumericType(c.storage) && c.count > EXACT_DISTINCT_UP_TO ? 0.97 : 1) * c.count && c.rows >= 50;
  if (isNumericType(c.storage)) {
    if (c.distinct <= 2 && c.min >= 0 && c.max <= 1 && c.integral) return 'boolean';
    if (c.integral) return allUnique ? 'identifier' : 'integer';
    return 'numeric';
  }
  if (c.distinct <= 2 && c.distinct > 0 && c.words.every((w) => BOOLEAN_WORDS.has(w.toLowerCase()))) return 'boolean';
  if (allUnique) return c.avgLength >= 40 ? 'text' : 'identifier';
  if (c.avgLength >= 50 || (c.distinct > 1000 && c.distinct > 0.5 * c.count)) return 'text';
  return 'categorical';
}

/** The profile of a file from its columns' statistics, whichever reader measured them. */
export function assembleProfile(file: string, rows: number, described: DescribedColumn[]): FileProfile {
  const columns: ColumnProfile[] = described.map((c) => {
    const n = c.numbers;
    const s = c.text;
    const top = s?.top ?? null;
    const count = n?.count ?? s!.count;
    const distinct = n?.distinct ?? s!.distinct;
    const type = inferType({
      storage: c.storage,
      rows,
      count,
      distinct,
      integral: n?.integral === true,
      min: n?.min ?? NaN,
      max: n?.max ?? NaN,
      avgLength: s?.avgLength ?? 0,
      words: top?.map((e) => e.value) ?? [],
    });
    return {
      name: c.name,
      type,
      storage: c.storage,
      count,
      missing: rows - count,
      distinct,
      mean: n ? n.mean : null,
      std: n ? n.std : null,
      min: n ? n.min : null,
      max: n ? n.max : null,
      quantiles: n ? Object.fromEntries(QUANTILES.map((q, i) => [String(q), n.quantiles[i]])) : null,
      histogram: n && n.count > 0 ? n.histogram : null,
      top,
    };
  });
  return { file, rows, columns };
}
