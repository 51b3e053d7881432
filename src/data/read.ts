import { basename } from 'node:path';
import type { Table } from '../core/table.ts';
import { CsvUnsupported } from './csv/scanner.ts';
import { csvReadApplies, profileCsv, readCsv, readCsvTable, type ProfiledRead, type ReadWants } from './ingest/csv-profile.ts';
import type { ReadOptions } from './ingest/file-limits.ts';
import type { FileProfile } from './profile-types.ts';

export type { ProfiledRead, ReadWants } from './ingest/csv-profile.ts';
export type { Domains } from './ingest/domains.ts';

/*
 * How Capstan reads files. A .csv read whole goes through its own CSV scanner (no DuckDB loaded: ~2x faster at a million
 * rows, and no copy of the file in DuckDB's memory); anything the scanner does not read exactly as DuckDB would (quoting it
 * cannot split, numbers in other notations, dates, bad input), Parquet, JSON lines, samples and forced types go through
 * DuckDB, which also words the errors. Either way the same profile and the same table.
 */

/** The CSV scanner's result, or undefined where DuckDB is to read the file. */
async function withScanner<T>(file: string, opts: ReadOptions, read: () => Promise<T>): Promise<T | undefined> {
  if (!csvReadApplies(file, opts)) return undefined;
  try {
    return await read();
  } catch (e) {
    if (e instanceof CsvUnsupported) return undefined;
    throw e;
  }
}

/** Profile a file. */
export async function profileFile(file: string, opts: ReadOptions = {}): Promise<FileProfile> {
  const scanned = await withScanner(file, opts, () => profileCsv(file, opts));
  if (scanned) return scanned;
  const { profileWithDuckDb } = await import('./ingest/duckdb-profile.ts');
  return profileWithDuckDb(file, opts);
}

/**
 * Read a file once for its profile, the domains of its categorical columns (a schema's) and, with `wants.table`, its
 * columnar table: what registering a dataset, and training on it, need.
 */
export async function readProfiled(file: string, opts: ReadOptions = {}, wants: ReadWants = {}): Promise<ProfiledRead> {
  const scanned = await withScanner(file, opts, () => readCsv(file, opts, wants));
  if (scanned) return scanned;
  const { loadFile, tableOf } = await import('./ingest/duckdb.ts');
  const { profiledLoaded } = await import('./ingest/duckdb-profile.ts');
  // without a table, row order does not matter and DuckDB parses in parallel
  const f = await loadFile(file, wants.table ? opts : { ...opts, anyOrder: true });
  try {
    const table = wants.table ? await tableOf(f) : undefined;
    const { profile, domains } = await profiledLoaded(f, wants.name ?? basename(opts.formatName ?? file), table);
    return { profile, domains, ...(table ? { table } : {}) };
  } finally {
    await f.drop();
  }
}

/**
 * Read a file into a columnar table: numbers as Float64 (NaN = missing), dates as epoch milliseconds, text
 * dictionary-encoded in the order first seen.
 *
 * @example
 * const table = await readTable('examples/telco-churn/telco_churn.csv');
 */
export async function readTable(file: string, opts: ReadOptions = {}): Promise<Table> {
  const scanned = await withScanner(file, opts, () => readCsvTable(file, opts));
  if (scanned) return scanned;
  const { readTableWithDuckDb } = await import('./ingest/duckdb.ts');
  return readTableWithDuckDb(file, opts);
}
