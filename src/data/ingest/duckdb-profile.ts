import { basename } from 'node:path';
import { ident, isNumericType, isTemporalType, loadFile, quote, type LoadedFile, type ReadOptions } from './duckdb.ts';
import type { ColumnProfile, ColumnType, FileProfile } from '../profile-types.ts';

export const QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];
const HISTOGRAM_BINS = 10;
const TOP = 20;

function num(v: unknown): number {
  return v === null || v === undefined ? NaN : typeof v === 'bigint' ? Number(v) : (v as number);
}

async function rowsOf(f: LoadedFile, sql: string): Promise<unknown[][]> {
  return (await f.conn.runAndReadAll(sql)).getRowsJS() as unknown[][];
}

const BOOLEAN_WORDS = new Set(['true', 'false', 'yes', 'no', 'y', 'n', 't', 'f']);

/** The semantic type of a column from its statistics. */
function inferType(c: { duckType: string; rows: number; count: number; distinct: number; integral: boolean; min: number; max: number; avgLength: number; words: string[] }): ColumnType {
  if (isTemporalType(c.duckType)) return 'datetime';
  // numeric distinct counts are HyperLogLog estimates (~1-2% error at a million rows)
  const allUnique = c.count === c.rows && c.distinct >= (isNumericType(c.duckType) && c.rows > 200_000 ? 0.97 : 1) * c.count && c.rows >= 50;
  if (isNumericType(c.duckType)) {
    if (c.distinct <= 2 && c.min >= 0 && c.max <= 1 && c.integral) return 'boolean';
    if (c.integral) return allUnique ? 'identifier' : 'integer';
    return 'numeric';
  }
  if (c.distinct <= 2 && c.distinct > 0 && c.words.every((w) => BOOLEAN_WORDS.has(w.toLowerCase()))) return 'boolean';
  if (allUnique) return c.avgLength >= 40 ? 'text' : 'identifier';
  if (c.avgLength >= 50 || (c.distinct > 1000 && c.distinct > 0.5 * c.count)) return 'text';
  return 'categorical';
}

/**
 * Profile a file with DuckDB in a few column-wise passes: counts, exact distinct counts, moments (sample std, n-1), range and
 * linearly interpolated quantiles (pandas' default) for numbers, equal-width histograms, and top values for text.
 */
export async function profileFile(file: string, opts: ReadOptions = {}): Promise<FileProfile> {
  const f = await loadFile(file, opts);
  try {
    return await profileLoaded(f, basename(file));
  } finally {
    await f.drop();
  }
}

export async function profileLoaded(f: LoadedFile, name: string): Promise<FileProfile> {
  const t = f.table;
  const numeric = f.columns.filter((c) => isNumericType(c.type) || isTemporalType(c.type));
  const stats = new Map<string, Record<string, unknown>>();
  // one pass over every column: counts and distinct for all, moments and quantiles for numbers
  const exprs: string[] = [];
  for (const c of f.columns) {
    const x = ident(c.name);
    const v = isTemporalType(c.type) ? `epoch_ms(CAST(${x} AS TIMESTAMP))::DOUBLE` : isNumericType(c.type) ? `${x}::DOUBLE` : null;
    // exact distinct counts for text and for up to 200 000 rows; HyperLogLog for numbers of larger files, where an exact count of
    // a million doubles costs more than every other statistic together (TFDV reports an estimate too)
    exprs.push(`count(${x})`, v && f.rows > 200_000 ? `approx_count_distinct(${x})` : `count(DISTINCT ${x})`);
    if (v) exprs.push(`avg(${v})`, `stddev_samp(${v})`, `min(${v})`, `max(${v})`, `quantile_cont(${v}, [${QUANTILES.join(', ')}])`, `bool_and(${v} = floor(${v}))`);
    else exprs.push(`avg(length(${x}))`);
  }
  const row = f.columns.length > 0 ? (await rowsOf(f, `SELECT ${exprs.join(', ')} FROM ${t}`))[0] : [];
  let k = 0;
  for (const c of f.columns) {
    const s: Record<string, unknown> = { count: num(row[k++]), distinct: num(row[k++]) };
    if (numeric.includes(c)) {
      s.mean = num(row[k++]);
      s.std = num(row[k++]);
      s.min = num(row[k++]);
      s.max = num(row[k++]);
      s.quantiles = (row[k++] as unknown[] | null)?.map(num) ?? QUANTILES.map(() => NaN);
      s.integral = row[k++] === true;
    } else s.avgLength = num(row[k++]);
    stats.set(c.name, s);
  }
  // equal-width histograms between each numeric column's min and max, in one pass
  const hist = new Map<string, number[]>();
  const ranged = numeric.filter((c) => Number.isFinite(stats.get(c.name)!.min as number));
  if (ranged.length > 0) {
    const bucket = (c: (typeof ranged)[number]) => {
      const s = stats.get(c.name)!;
      const x = valueExpr(c.name, isTemporalType(c.type));
      return `histogram(${bucketExpr(x, edgesOf(s.min as number, s.max as number))}) FILTER (WHERE ${x} IS NOT NULL)`;
    };
    const h = (await rowsOf(f, `SELECT ${ranged.map(bucket).join(', ')} FROM ${t}`))[0];
    ranged.forEach((c, i) => {
      const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
      const m = h[i] as Record<string, unknown> | { key: unknown; value: unknown }[] | null;
      const entries = Array.isArray(m) ? m.map((e) => [e.key, e.value] as const) : Object.entries(m ?? {});
      for (const [b, n] of entries) if (b !== null) counts[Number(b)] = num(n);
      hist.set(c.name, counts);
    });
  }
  const columns: ColumnProfile[] = [];
  for (const c of f.columns) {
    const s = stats.get(c.name)!;
    const count = s.count as number;
    let top: { value: string; count: number }[] | null = null;
    let words: string[] = [];
    if (!numeric.includes(c)) {
      const x = ident(c.name);
      const r = await rowsOf(f, `SELECT CAST(${x} AS VARCHAR) v, count(*) n FROM ${t} WHERE ${x} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${TOP}`);
      top = r.map(([v, n]) => ({ value: String(v), count: num(n) }));
      words = top.map((e) => e.value);
    }
    const type = inferType({
      duckType: c.type,
      rows: f.rows,
      count,
      distinct: s.distinct as number,
      integral: s.integral === true,
      min: (s.min as number) ?? NaN,
      max: (s.max as number) ?? NaN,
      avgLength: (s.avgLength as number) ?? 0,
      words,
    });
    const p: ColumnProfile = {
      name: c.name,
      type,
      storage: c.type,
      count,
      missing: f.rows - count,
      distinct: s.distinct as number,
      mean: numeric.includes(c) ? (s.mean as number) : null,
      std: numeric.includes(c) ? (s.std as number) : null,
      min: numeric.includes(c) ? (s.min as number) : null,
      max: numeric.includes(c) ? (s.max as number) : null,
      quantiles: numeric.includes(c) ? Object.fromEntries(QUANTILES.map((q, i) => [String(q), (s.quantiles as number[])[i]])) : null,
      histogram: hist.has(c.name) ? { edges: edgesOf(s.min as number, s.max as number), counts: hist.get(c.name)! } : null,
      top,
    };
    columns.push(p);
  }
  return { file: name, rows: f.rows, columns };
}

function edgesOf(min: number, max: number): number[] {
  const width = (max - min) / HISTOGRAM_BINS || 1;
  return Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => (i === HISTOGRAM_BINS ? max : min + i * width));
}

function valueExpr(column: string, temporal: boolean): string {
  return temporal ? `epoch_ms(CAST(${ident(column)} AS TIMESTAMP))::DOUBLE` : `${ident(column)}::DOUBLE`;
}

/**
 * The bin of a value: how many inner edges it reaches (bin i holds [edge i, edge i+1), the last bin also its upper edge,
 * values outside fall into the end bins). Profiles and shift tests use this one expression, so a value on an edge always
 * lands in the same bin.
 */
function bucketExpr(x: string, edges: number[]): string {
  const inner = edges.slice(1, -1);
  return inner.length === 0 ? '0' : `(${inner.map((e) => `CASE WHEN ${x} >= ${e} THEN 1 ELSE 0 END`).join(' + ')})`;
}

/** Counts of a numeric column in given bins (values outside clamp to the end bins), plus missing, for shift tests. */
export async function countInBins(f: LoadedFile, column: string, edges: number[], temporal: boolean): Promise<{ counts: number[]; missing: number }> {
  const x = valueExpr(column, temporal);
  const r = await rowsOf(f, `SELECT ${bucketExpr(x, edges)} b, count(*) n FROM ${f.table} WHERE ${x} IS NOT NULL GROUP BY 1`);
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const [b, n] of r) counts[num(b)] = num(n);
  const missing = num((await rowsOf(f, `SELECT count(*) FROM ${f.table} WHERE ${ident(column)} IS NULL`))[0][0]);
  return { counts, missing };
}

/** Counts of the given categories (and of all others, and missing) in a text column. */
export async function countCategories(f: LoadedFile, column: string, categories: string[]): Promise<{ counts: number[]; other: number; missing: number }> {
  const x = `CAST(${ident(column)} AS VARCHAR)`;
  const r = await rowsOf(f, `SELECT ${x} v, count(*) n FROM ${f.table} GROUP BY 1`);
  const index = new Map(categories.map((c, i) => [c, i]));
  const counts = new Array<number>(categories.length).fill(0);
  let other = 0;
  let missing = 0;
  for (const [v, n] of r) {
    if (v === null) missing += num(n);
    else if (index.has(String(v))) counts[index.get(String(v))!] += num(n);
    else other += num(n);
  }
  return { counts, other, missing };
}

/** Rows that repeat an earlier row exactly. */
export async function duplicateRows(f: LoadedFile): Promise<number> {
  return num((await rowsOf(f, `SELECT (SELECT count(*) FROM ${f.table}) - (SELECT count(*) FROM (SELECT DISTINCT * FROM ${f.table}))`))[0][0]);
}

/**
 * How well each column alone predicts the target: the share of rows whose target equals the majority target of their value
 * group (numbers grouped in 20 quantile bins). Near 1 for a leaked feature; computed in SQL.
 */
export async function singleFeaturePurity(f: LoadedFile, target: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const y = ident(target);
  for (const c of f.columns) {
    if (c.name === target) continue;
    const x = ident(c.name);
    const group = isNumericType(c.type) ? `ntile(20) OVER (ORDER BY ${x})` : `CAST(${x} AS VARCHAR)`;
    const sql = `WITH g AS (SELECT ${group} AS k, ${y} AS y FROM ${f.table} WHERE ${x} IS NOT NULL AND ${y} IS NOT NULL),
      c AS (SELECT k, y, count(*) n FROM g GROUP BY ALL), m AS (SELECT k, max(n) best FROM c GROUP BY k)
      SELECT sum(best) / (SELECT count(*) FROM g), (SELECT count(DISTINCT k) FROM g) FROM m`;
    const [purity, groups] = (await rowsOf(f, sql))[0];
    // a column with a group per row (an id) is trivially "pure": not a leakage signal
    if (num(groups) < 0.5 * f.rows) out.set(c.name, num(purity));
  }
  return out;
}

export { quote };

/** Every distinct value of a text column, when there are at most `limit` of them (else null). */
export async function domainOf(f: LoadedFile, column: string, limit = 1000): Promise<string[] | null> {
  const x = `CAST(${ident(column)} AS VARCHAR)`;
  const r = await rowsOf(f, `SELECT DISTINCT ${x} FROM ${f.table} WHERE ${ident(column)} IS NOT NULL LIMIT ${limit + 1}`);
  if (r.length > limit) return null;
  return r.map((v) => String(v[0])).sort();
}
