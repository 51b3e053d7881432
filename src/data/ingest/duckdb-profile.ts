import { basename } from 'node:path';
import type { DuckDBVector } from '@duckdb/node-api';
import { describeNumbers, type NumberStats } from '../describe-numbers.ts';
import { assembleProfile, isNumericType, isTemporalType, QUANTILES, TOP, type TextStats } from '../profile.ts';
import type { FileProfile } from '../profile-types.ts';
import type { Table } from '../../core/table.ts';
import { DOMAIN_LIMIT, type Domains } from './domains.ts';
import { ident, loadFile, quote, type LoadedFile, type ReadOptions } from './duckdb.ts';

function num(v: unknown): number {
  return v === null || v === undefined ? NaN : typeof v === 'bigint' ? Number(v) : (v as number);
}

async function rowsOf(f: LoadedFile, sql: string): Promise<unknown[][]> {
  return (await f.conn.runAndReadAll(sql)).getRowsJS() as unknown[][];
}

/**
 * Profile a file: DuckDB computes counts, distinct counts, moments (sample std, n-1) and ranges in one SQL pass and the top
 * values of text; numbers then come to JavaScript a few columns at a time for exact, linearly interpolated quantiles (pandas'
 * default) by selection and equal-width histograms. (DuckDB's `quantile_cont` with seven quantiles cost three times the rest
 * of the profile together.)
 */
export async function profileWithDuckDb(file: string, opts: ReadOptions = {}): Promise<FileProfile> {
  // a profile does not depend on row order, which lets DuckDB parse in parallel without putting rows back in sequence
  const f = await loadFile(file, { ...opts, anyOrder: true });
  try {
    return await profileLoaded(f, basename(opts.formatName ?? file));
  } finally {
    await f.drop();
  }
}

/**
 * The profile of a loaded file. `table`: the file already read as a table (tableOf), whose number columns are described as
 * they are instead of being queried from DuckDB again.
 */
export async function profileLoaded(f: LoadedFile, name: string, table?: Table): Promise<FileProfile> {
  const t = f.table;
  const numeric = f.columns.filter((c) => isNumericType(c.type) || isTemporalType(c.type));
  const numberStats = new Map<string, NumberStats>();
  // text, on a connection of its own so DuckDB works on it while this thread describes numbers: counts, exact distinct
  // counts and lengths in one SQL pass, then the top values of each column
  const text = f.columns.filter((c) => !numeric.includes(c));
  const textDone = text.length > 0 ? textProfiles(f, text.map((c) => c.name)) : Promise.resolve(new Map<string, TextStats>());
  // a failure there is reported once awaited below, not as an unhandled rejection meanwhile
  textDone.catch(() => undefined);
  // numbers: a group of columns at a time, described straight from the query result's memory, the next group's query
  // running while this one is described
  const perQuery = Math.max(1, Math.floor(GROUP_BYTES / (8 * Math.max(1, f.rows))));
  const groups: (typeof numeric)[] = [];
  if (table) {
    for (const c of numeric) {
      const col = table.columns[f.columns.indexOf(c)];
      if (col?.kind !== 'numeric' || col.name !== c.name) throw new Error(`profileLoaded: the table's column ${c.name} is not the file's`);
      numberStats.set(c.name, describeNumbers(col.values, QUANTILES));
    }
  } else for (let at = 0; at < numeric.length; at += perQuery) groups.push(numeric.slice(at, at + perQuery));
  const read = (g: typeof numeric) => f.conn.run(`SELECT ${g.map((c) => `coalesce(${valueExpr(c.name, isTemporalType(c.type))}, 'NaN'::DOUBLE)`).join(', ')} FROM ${t}`);
  let next = groups.length > 0 ? read(groups[0]) : undefined;
  for (let g = 0; g < groups.length; g++) {
    const result = await next!;
    next = g + 1 < groups.length ? read(groups[g + 1]) : undefined;
    const columns = groups[g].map(() => [] as Float64Array[]);
    for (let k = 0; k < result.chunkCount; k++) {
      const chunk = result.getChunk(k);
      columns.forEach((pieces, j) => pieces.push(doublesOf(chunk.getColumnVector(j), chunk.rowCount)));
    }
    groups[g].forEach((c, j) => numberStats.set(c.name, describeNumbers(columns[j], QUANTILES)));
  }
  const textStats = await textDone;
  return assembleProfile(
    name,
    f.rows,
    f.columns.map((c) => ({ name: c.name, storage: c.type, numbers: numberStats.get(c.name), text: textStats.get(c.name) })),
  );
}

async function textProfiles(f: LoadedFile, names: string[]): Promise<Map<string, TextStats>> {
  const conn = await f.fork();
  try {
    const rows = async (sql: string) => (await conn.runAndReadAll(sql)).getRowsJS() as unknown[][];
    const exprs = names.flatMap((c) => [`count(${ident(c)})`, `count(DISTINCT ${ident(c)})`, `avg(length(${ident(c)}))`]);
    const row = (await rows(`SELECT ${exprs.join(', ')} FROM ${f.table}`))[0];
    const out = new Map<string, TextStats>();
    for (const [i, c] of names.entries()) {
      const x = ident(c);
      const top = await rows(`SELECT CAST(${x} AS VARCHAR) v, count(*) n FROM ${f.table} WHERE ${x} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${TOP}`);
      out.set(c, { count: num(row[3 * i]), distinct: num(row[3 * i + 1]), avgLength: num(row[3 * i + 2]), top: top.map(([v, k]) => ({ value: String(v), count: num(k) })) });
    }
    return out;
  } finally {
    conn.closeSync();
  }
}

/** Numbers are described in groups of columns of about this many bytes, as a query result in DuckDB's memory. */
const GROUP_BYTES = 32 * 1024 * 1024;

/**
 * The values of a DOUBLE vector without nulls. The bindings keep them as a Float64Array view of DuckDB's memory (`items`, not
 * part of their typed API), valid while the result lives: used as it is when there, copied item by item otherwise.
 */
export function doublesOf(vector: DuckDBVector, n: number): Float64Array {
  const items = (vector as unknown as { items?: unknown }).items;
  if (items instanceof Float64Array && items.length === n) return items;
  return Float64Array.from({ length: n }, (_, i) => (vector.getItem(i) as number | null) ?? NaN);
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

/** How many of a column's values lie below `min` and above `max` (either bound may be absent). */
export async function countOutside(f: LoadedFile, column: string, min: number | undefined, max: number | undefined, temporal: boolean): Promise<{ below: number; above: number }> {
  const x = valueExpr(column, temporal);
  const lo = min === undefined ? 'false' : `${x} < ${Number(min)}`;
  const hi = max === undefined ? 'false' : `${x} > ${Number(max)}`;
  const [[below, above]] = await rowsOf(f, `SELECT count(*) FILTER (WHERE ${lo}), count(*) FILTER (WHERE ${hi}) FROM ${f.table}`);
  return { below: num(below), above: num(above) };
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

/** The profile of a loaded file with the domains of its categorical and boolean columns (see profileLoaded for `table`). */
export async function profiledLoaded(f: LoadedFile, name: string, table?: Table): Promise<{ profile: FileProfile; domains: Domains }> {
  const profile = await profileLoaded(f, name, table);
  const domains: Domains = new Map();
  for (const c of profile.columns) if (c.type === 'categorical' || c.type === 'boolean') domains.set(c.name, await domainOf(f, c.name));
  return { profile, domains };
}

/** Every distinct value of a text column, when there are at most `limit` of them (else null). */
export async function domainOf(f: LoadedFile, column: string, limit = DOMAIN_LIMIT): Promise<string[] | null> {
  const x = `CAST(${ident(column)} AS VARCHAR)`;
  const r = await rowsOf(f, `SELECT DISTINCT ${x} FROM ${f.table} WHERE ${ident(column)} IS NOT NULL LIMIT ${limit + 1}`);
  if (r.length > limit) return null;
  return r.map((v) => String(v[0])).sort();
}
