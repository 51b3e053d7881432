import { basename, extname } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { invalid, type CapstanError } from '../../core/errors.ts';
import { encodeStrings, numericColumn, type Column, type Table } from '../../core/table.ts';
import { isNumericType, isTemporalType } from '../profile.ts';
import { checkFile, checkShape, type ReadOptions } from './file-limits.ts';

export type { ColumnParse, ReadOptions } from './file-limits.ts';

const instances = new Map<boolean, Promise<DuckDBInstance>>();
const connections = new Map<boolean, Promise<DuckDBConnection>>();
let tableCounter = 0;

/**
 * An in-memory DuckDB per process (creating an instance costs ~20 ms and it holds no state between reads), and a second one
 * for reads whose row order does not matter: `preserve_insertion_order` is a global setting, so it gets its own instance
 * rather than being switched under a concurrent ordered read. The bindings load with the first instance: a process that
 * reads only what Capstan's CSV scanner reads never maps them (~25 MB of memory).
 */
function instance(ordered: boolean): Promise<DuckDBInstance> {
  let db = instances.get(ordered);
  if (!db) {
    db = import('@duckdb/node-api').then(({ DuckDBInstance }) => DuckDBInstance.create(':memory:', ordered ? {} : { preserve_insertion_order: 'false' }));
    instances.set(ordered, db);
  }
  return db;
}

/** A new connection to an instance (each runs one query at a time; tables are shared between them). */
async function newConnection(ordered: boolean): Promise<DuckDBConnection> {
  const conn = await (await instance(ordered)).connect();
  // built into the bindings: LOAD, never INSTALL (no network here, nor for users behind a proxy)
  await conn.run('LOAD parquet');
  await conn.run('LOAD json');
  return conn;
}

/** The process's connection to the ordered (default) or unordered instance. */
export function connect(ordered = true): Promise<DuckDBConnection> {
  let c = connections.get(ordered);
  if (!c) {
    c = newConnection(ordered);
    connections.set(ordered, c);
  }
  return c;
}

export function quote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export function ident(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** DuckDB's messages are long reports; keep the line that says what is wrong and where. */
function cleanDuckError(file: string, e: unknown): CapstanError {
  const msg = e instanceof Error ? e.message : String(e);
  const line = /CSV Error on Line: (\d+)/.exec(msg)?.[1];
  const conv = /Error when converting column "([^"]+)"\. Could not convert string "([^"]*)" to '(\w+)'/.exec(msg);
  const name = basename(file);
  if (conv) return invalid(`${name}${line ? ` line ${line}` : ''}: column "${conv[1]}" expects numbers but has "${conv[2].slice(0, 40)}"`);
  if (/unterminated quote|quote.*not.*closed|Value with unterminated quote/i.test(msg)) return invalid(`${name}${line ? ` line ${line}` : ''}: unterminated quoted field`);
  if (/Expected Number of Columns|too many columns|Too few columns|sniffing file|not possible to automatically detect/i.test(msg)) {
    return invalid(`${name}${line ? ` line ${line}` : ''}: cannot parse as CSV (rows have different numbers of fields, or the quoting is broken)`);
  }
  if (/Invalid unicode|invalid UTF-8|not utf-8/i.test(msg)) return invalid(`${name}${line ? ` line ${line}` : ''}: the file is not valid UTF-8 text (convert it, e.g. with iconv -f latin1 -t utf-8)`);
  const first = msg.split('\n').find((l) => l.trim().length > 0) ?? msg;
  return invalid(`${name}${line ? ` line ${line}` : ''}: ${first.replace(/^[A-Za-z ]+Error: /, '')}`);
}

export type FileFormat = 'csv' | 'parquet' | 'jsonl';

export function formatOf(file: string): FileFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  return 'csv';
}

/** The table function that reads a file (CSV: header, quoting, delimiter and BOM sniffed; UTF-8 enforced). */
export function sourceSql(file: string, opts: ReadOptions = {}): string {
  const named = opts.formatName ?? file;
  const format = formatOf(named);
  if (format === 'parquet') return `read_parquet(${quote(file)})`;
  if (format === 'jsonl') return `read_json_auto(${quote(file)}, format='newline_delimited')`;
  const parts = [quote(file), 'header=true'];
  // RFC 4180 for .csv: comma-separated, double-quoted; a quote left open is an error, not text
  if (extname(named).toLowerCase() === '.csv') parts.push(`delim=','`, `quote='"'`, `escape='"'`);
  // BOOLEAN is left out on purpose: DuckDB would turn "Yes"/"No" targets into true/false and lose the user's labels.
  parts.push(`auto_type_candidates=['BIGINT','DOUBLE','DATE','TIMESTAMP','VARCHAR']`);
  if (opts.types && Object.keys(opts.types).length > 0) {
    const entries = Object.entries(opts.types).map(([k, t]) => `${quote(k)}: ${t === 'numeric' ? "'DOUBLE'" : "'VARCHAR'"}`);
    parts.push(`types={${entries.join(', ')}}`);
  }
  return `read_csv(${parts.join(', ')})`;
}

export interface LoadedFile {
  conn: DuckDBConnection;
  /** a further connection that sees the table, for a query to run beside one on `conn`; close it when done */
  fork(): Promise<DuckDBConnection>;
  /** quoted name of the table holding the file (dropped by `drop()`) */
  table: string;
  columns: { name: string; type: string }[];
  rows: number;
  drop(): Promise<void>;
}

/**
 * Parse a file once into a temporary DuckDB table (so profiling and validation run as SQL over columns, never as JavaScript
 * rows), checking size, column count and a header-only file. Call `drop()` when done.
 */
export async function loadFile(file: string, opts: ReadOptions = {}): Promise<LoadedFile> {
  checkFile(file, opts.maxBytes);
  // a sample is drawn from rows in file order, so it stays the same sample
  const ordered = !opts.anyOrder || opts.sampleRows !== undefined;
  const conn = await connect(ordered);
  const table = `capstan_t${++tableCounter}`;
  const source = sourceSql(file, opts);
  const sample = opts.sampleRows ? ` USING SAMPLE reservoir(${Math.floor(opts.sampleRows)} ROWS) REPEATABLE (0)` : '';
  try {
    await conn.run(`CREATE TABLE ${table} AS SELECT * FROM ${source}${sample}`);
  } catch (e) {
    throw cleanDuckError(file, e);
  }
  const drop = async () => {
    await conn.run(`DROP TABLE IF EXISTS ${table}`);
  };
  const described = (await conn.runAndReadAll(`DESCRIBE ${table}`)).getRowsJS() as unknown[][];
  const columns = described.map((r) => ({ name: String(r[0]), type: String(r[1]) }));
  const rows = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${table}`)).getRowsJS()[0][0]);
  try {
    checkShape(file, columns.length, rows, opts);
  } catch (e) {
    await drop();
    throw e;
  }
  return { conn, fork: () => newConnection(ordered), table, columns, rows, drop };
}


/** The column names of a file, in file order, without reading its rows (CSV, Parquet, JSON lines). */
export async function fileColumns(file: string): Promise<string[]> {
  checkFile(file);
  const conn = await connect();
  try {
    return ((await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${sourceSql(file)}`)).getRowsJS() as unknown[][]).map((r) => String(r[0]));
  } catch (e) {
    throw cleanDuckError(file, e);
  }
}

/** Read a file into a columnar table through DuckDB (see `readTable`, which leaves to this what Capstan's CSV reader does not read). */
export async function readTableWithDuckDb(file: string, opts: ReadOptions = {}): Promise<Table> {
  const loaded = await loadFile(file, opts);
  try {
    return await tableOf(loaded);
  } finally {
    await loaded.drop();
  }
}

/** The columnar table of a file already loaded (so one parse can serve both a table and a profile). */
export async function tableOf(loaded: LoadedFile): Promise<Table> {
  const select = loaded.columns.map((c) =>
    isNumericType(c.type) ? `CAST(${ident(c.name)} AS DOUBLE)` : isTemporalType(c.type) ? `CAST(epoch_ms(CAST(${ident(c.name)} AS TIMESTAMP)) AS DOUBLE)` : `CAST(${ident(c.name)} AS VARCHAR)`,
  );
  const rows = loaded.rows;
  const numeric = loaded.columns.map((c) => isNumericType(c.type) || isTemporalType(c.type));
  // chunk by chunk, value by value into the arrays the table keeps: no intermediate JS array of every value
  const numbers = numeric.map((isNum) => (isNum ? new Float64Array(rows) : null));
  const texts = numeric.map((isNum) => (isNum ? null : new Array<string | null>(rows)));
  // materialised: a streamed result once ended early in CI (a train step saw its target column empty)
  const result = await loaded.conn.run(`SELECT ${select.join(', ')} FROM ${loaded.table}`);
  let offset = 0;
  for (let k = 0; k < result.chunkCount; k++) {
    const chunk = result.getChunk(k);
    const n = chunk.rowCount;
    for (let c = 0; c < numbers.length; c++) {
      const vector = chunk.getColumnVector(c);
      const values = numbers[c];
      if (values) {
        for (let r = 0; r < n; r++) {
          const v = vector.getItem(r) as number | null;
          values[offset + r] = v === null ? NaN : v;
        }
      } else {
        const out = texts[c]!;
        for (let r = 0; r < n; r++) out[offset + r] = vector.getItem(r) as string | null;
      }
    }
    offset += n;
  }
  if (offset !== rows) throw new Error(`DuckDB returned ${offset} of the ${rows} rows of ${loaded.table}`);
  const columns: Column[] = loaded.columns.map((c, i) => {
    const values = numbers[i];
    if (values) {
      const col = numericColumn(c.name, values);
      if (isTemporalType(c.type)) col.temporal = true;
      return col;
    }
    return encodeStrings(c.name, texts[i]!);
  });
  return { rows, columns };
}
