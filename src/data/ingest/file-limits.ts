import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { CapstanError, invalid, notFound } from '../../core/errors.ts';

/** How the caller wants a column parsed; without it the reader decides. */
export type ColumnParse = 'numeric' | 'categorical';

export interface ReadOptions {
  /** force these columns' types (serving and predict read files against the model's signature) */
  types?: Record<string, ColumnParse>;
  /** refuse files with more columns than this */
  maxColumns?: number;
  /** read at most this many rows (a seeded reservoir sample for larger files) */
  sampleRows?: number;
  /** refuse files with more rows than this (after sampling) */
  maxRows?: number;
  /** refuse files larger than this many bytes */
  maxBytes?: number;
  /** rows may come in any order (a profile): DuckDB then parses in parallel without restoring the file's sequence */
  anyOrder?: boolean;
  /** the name whose extension says the format (.csv, .parquet, .jsonl), when the file's own has none (a stored blob) */
  formatName?: string;
}

export const DEFAULT_MAX_COLUMNS = 5000;

/** The file's size, after checking that it is a non-empty file within the byte limit. */
export function checkFile(file: string, maxBytes?: number): number {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw invalid(`${file} is not a file`);
    size = st.size;
  } catch (e) {
    if (e instanceof CapstanError) throw e;
    throw notFound(`file not found: ${file}`);
  }
  if (size === 0) throw invalid(`${basename(file)} is empty (0 bytes)`);
  if (maxBytes !== undefined && size > maxBytes) throw invalid(`${basename(file)} has ${size} bytes; the limit is ${maxBytes} (raise it with --max-bytes)`);
  return size;
}

/** Refuse a file past the column or row limit. */
export function checkShape(file: string, columns: number, rows: number, opts: ReadOptions): void {
  const max = opts.maxColumns ?? DEFAULT_MAX_COLUMNS;
  if (columns > max) throw invalid(`${basename(file)} has ${columns} columns; the limit is ${max} (raise it with --max-columns)`);
  if (opts.maxRows !== undefined && rows > opts.maxRows) throw invalid(`${basename(file)} has ${rows} rows; the limit is ${opts.maxRows} (raise it with --max-rows, or profile a --sample)`);
}
