import { statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { CapstanError, invalid, notFound } from '../../core/errors.ts';
import { encodeStrings, numericColumn, type Column, type Table } from '../../core/table.ts';

/** How the caller wants a column parsed; without it DuckDB's sniffer decides. */
export type ColumnParse = 'numeric' | 'categorical';

export interface ReadOptions {
  /** force these columns' types (serving and predict read files against the model's signature) */
  types?: Record<string, ColumnParse>;
}

const NUMERIC_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/;

let connection: Promise<DuckDBConnection> | undefined;

function connect(): Promise<DuckDBConnection> {
  // One in-memory DuckDB per process: creating an instance costs ~20 ms and it holds no state between reads.
  connection ??= DuckDBInstance.create(':memory:').then((db) => db.connect());
  return connection;
}

function quote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function ident(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** DuckDB's messages are long reports; keep the line that says what is wrong and where. */
function cleanDuckError(file: string, e: unknown): CapstanError {
  const msg = e instanceof Error ? e.message : String(e);
  const line = /CSV Error on Line: (\d+)/.exec(msg)?.[1];
  const conv = /Error when converting column "([^"]+)"\. Could not convert string "([^"]*)" to '(\w+)'/.exec(msg);
  const name = basename(file);
  if (conv) {
    return invalid(`${name}${line ? ` line ${line}` : ''}: column "${conv[1]}" expects numbers but has "${conv[2].slice(0, 40)}"`);
  }
  if (/sniffing file|not possible to automatically detect/.test(msg)) {
    return invalid(`${name}: cannot parse as CSV (rows have different numbers of fields, or the quoting is broken)`);
  }
  const first = msg.split('\n').find((l) => l.trim().length > 0) ?? msg;
  return invalid(`${name}${line ? ` line ${line}` : ''}: ${first.replace(/^[A-Za-z ]+Error: /, '')}`);
}

function readSql(file: string, opts: ReadOptions): string {
  const ext = extname(file).toLowerCase();
  const parts = [quote(file), 'header=true'];
  if (ext === '.csv') parts.push(`delim=','`);
  // BOOLEAN is left out on purpose: DuckDB would turn "Yes"/"No" targets into true/false and lose the user's labels.
  parts.push(`auto_type_candidates=['BIGINT','DOUBLE','VARCHAR']`);
  if (opts.types && Object.keys(opts.types).length > 0) {
    const entries = Object.entries(opts.types).map(([k, t]) => `${quote(k)}: ${t === 'numeric' ? "'DOUBLE'" : "'VARCHAR'"}`);
    parts.push(`types={${entries.join(', ')}}`);
  }
  return `read_csv(${parts.join(', ')})`;
}

/**
 * Read a CSV file into a columnar table through DuckDB: numbers as Float64 (NaN = missing), text dictionary-encoded.
 *
 * @example
 * const table = await readTable('examples/telco-churn/telco_churn.csv');
 */
export async function readTable(file: string, opts: ReadOptions = {}): Promise<Table> {
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
  const db = await connect();
  const source = readSql(file, opts);
  let described: unknown[][];
  try {
    described = (await db.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowsJS() as unknown[][];
  } catch (e) {
    throw cleanDuckError(file, e);
  }
  const names = described.map((r) => String(r[0]));
  const numeric = described.map((r) => NUMERIC_TYPES.test(String(r[1])));
  const select = names.map((n, i) => (numeric[i] ? `CAST(${ident(n)} AS DOUBLE)` : `CAST(${ident(n)} AS VARCHAR)`));
  let cols: unknown[][];
  try {
    const reader = await db.runAndReadAll(`SELECT ${select.join(', ')} FROM ${source}`);
    cols = reader.getColumnsJS() as unknown[][];
  } catch (e) {
    throw cleanDuckError(file, e);
  }
  const rows = cols.length > 0 ? cols[0].length : 0;
  const columns: Column[] = names.map((name, i) => {
    const raw = cols[i] ?? [];
    if (numeric[i]) {
      const values = new Float64Array(rows);
      for (let r = 0; r < rows; r++) {
        const v = raw[r];
        values[r] = v === null || v === undefined ? NaN : (v as number);
      }
      return numericColumn(name, values);
    }
    return encodeStrings(name, raw as (string | null)[]);
  });
  return { rows, columns };
}
