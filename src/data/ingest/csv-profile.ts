import { basename, extname } from 'node:path';
import { anonymousFiles, closeFiles, NumberSpill, spillRefused } from './number-spill.ts';
import { CsvUnsupported, inFileOrder, NUMBER, PIECE, TEXT, type ScannedColumns } from '../csv/scanner.ts';
import { TextValues } from '../csv/text-values.ts';
import { categoricalColumn, numericColumn, type Column, type Table } from '../../core/table.ts';
import { describeNumbers } from '../describe-numbers.ts';
import { assembleProfile, QUANTILES, TOP, type DescribedColumn } from '../profile.ts';
import type { FileProfile } from '../profile-types.ts';
import { DEFAULT_TUNING, scanCsv, type Spill, type Tuning } from './csv-scan.ts';
import { domainOfNumbers, domainOfValues, type Domains } from './domains.ts';
import { checkFile, checkShape, type ReadOptions } from './file-limits.ts';

/** Whether `readCsv` may read this file with these options: a .csv file read whole, with the reader's own types. */
export function csvReadApplies(file: string, opts: ReadOptions): boolean {
  return extname(opts.formatName ?? file).toLowerCase() === '.csv' && opts.sampleRows === undefined && opts.types === undefined;
}

/**
 * Could DuckDB read this value as a number, date or timestamp? A text column is text for certain once one of its values
 * cannot be (DuckDB's candidates: BIGINT, DOUBLE, DATE, TIMESTAMP, VARCHAR); a column of values that all might be is left
 * to DuckDB's own sniffing.
 */
function mightBeTyped(v: string): boolean {
  return (/^\s*[-+]?\.?\d/.test(v) && /^[\s\d+\-.:/,_eEtTzZaApPmM]*$/.test(v)) || /^\s*[-+]?(nan|inf|infinity)\s*$/i.test(v) || /^0x[0-9a-f]+$/i.test(v);
}

/**
 * Files from this size keep their numbers in temporary files while they are described (about 200 000 rows of 20 columns):
 * memory then holds a piece per column and the text columns' distinct values, whatever the number of rows. Reading the
 * pieces back costs no measurable time (1M rows: 1113 ms spilled, 1117 ms in memory, in-process medians of 5). A reading
 * that builds a table keeps its numbers in memory.
 */
const SPILL_FROM = 64 << 20;

/** A file read once: its profile, the category domains its schema keeps and, when asked for, its table. */
export interface ProfiledRead {
  profile: FileProfile;
  domains: Domains;
  table?: Table;
}

/** What a reading makes: the table too (`table`), and the name the profile gives the file (default: its base name). */
export interface ReadWants {
  table?: boolean;
  name?: string;
}

/**
 * Read a CSV file without DuckDB: a byte scanner (numbers parsed as they are read, text counted as distinct byte strings;
 * two threads for large files), then the same descriptions and the same assembly as DuckDB's path, and the same table as
 * `tableOf` when asked for one. Throws `CsvUnsupported` for any file it does not read exactly as DuckDB would (the caller
 * then uses DuckDB). `tuning` lets tests read small files on two threads in small blocks.
 */
export async function readCsv(file: string, opts: ReadOptions = {}, wants: ReadWants = {}, tuning: Tuning = DEFAULT_TUNING): Promise<ProfiledRead> {
  const read = await readParts(file, opts, { ...wants, profile: true }, tuning);
  return { profile: read.profile!, domains: read.domains!, ...(read.table ? { table: read.table } : {}) };
}

/** `readCsv`'s table alone (no profile made). */
export async function readCsvTable(file: string, opts: ReadOptions = {}, tuning: Tuning = DEFAULT_TUNING): Promise<Table> {
  return (await readParts(file, opts, { table: true, profile: false }, tuning)).table!;
}

/** `readCsv`'s profile alone (numbers spilled to temporary files for large files). */
export async function profileCsv(file: string, opts: ReadOptions = {}, tuning: Tuning = DEFAULT_TUNING): Promise<FileProfile> {
  return (await readCsv(file, opts, {}, tuning)).profile;
}

async function readParts(file: string, opts: ReadOptions, wants: ReadWants & { profile: boolean }, tuning: Tuning): Promise<Partial<ProfiledRead>> {
  const size = checkFile(file, opts.maxBytes);
  // one file for each thread, and one for a reading in sequence (the fallback after a failed reading on two threads)
  const files = !wants.table && size >= (tuning.spillFrom ?? SPILL_FROM) ? spillFiles() : [];
  const spill: Spill | null = files.length ? { main: files[0], worker: files[1], sequence: files[2] } : null;
  try {
    const { names, scanned } = await scanCsv(file, size, tuning, spill, wants.table === true);
    if (scanned.rows === 0) throw new CsvUnsupported('no records');
    checkShape(file, names.length, scanned.rows, opts);
    const texts = names.map((name, j) => textsOf(scanned, j, name));
    const spills = (scanned.spilled ?? []).map((part) => new NumberSpill(part.fd, names.length, PIECE));
    const columns: Column[] = [];
    const described: DescribedColumn[] = names.map((name, j) => {
      const values = texts[j];
      if (scanned.kinds[j] === NUMBER) {
        const storage = scanned.integral[j] === 1 ? 'BIGINT' : 'DOUBLE';
        if (!wants.table) return { name, storage, numbers: describeNumbers(numbersOf(scanned, spills, j), QUANTILES) };
        const column = numericColumn(name, joined(scanned.numbers[j], scanned.rows));
        // the pieces go as soon as the column has them: a table's worth of memory, not two
        scanned.numbers[j] = [];
        columns.push(column);
        return { name, storage, ...(wants.profile ? { numbers: describeNumbers(column.values, QUANTILES) } : {}) };
      }
      if (wants.table) columns.push(values ? categoricalOf(name, scanned.codes![j], values, scanned.rows) : categoricalColumn(name, new Int32Array(scanned.rows).fill(-1), []));
      return { name, storage: 'VARCHAR', ...(wants.profile ? { text: values ? values.table.summary(TOP) : { count: 0, distinct: 0, avgLength: NaN, top: [] } } : {}) };
    });
    const table = wants.table ? { table: { rows: scanned.rows, columns } } : {};
    if (!wants.profile) return table;
    const profile = assembleProfile(wants.name ?? basename(opts.formatName ?? file), scanned.rows, described);
    const domains: Domains = new Map();
    profile.columns.forEach((c, j) => {
      if (c.type !== 'categorical' && c.type !== 'boolean') return;
      const values = texts[j];
      domains.set(c.name, values ? domainOfValues(values.table) : domainOfNumbers(c, described[j].storage));
    });
    return { profile, domains, ...table };
  } catch (e) {
    // the temporary files ran out of room: the profile in memory instead, as before there were spill files
    if (spill !== null && spillRefused(e)) return readParts(file, opts, wants, { ...tuning, spillFrom: Infinity });
    throw e;
  } finally {
    closeFiles(files);
  }
}

/** A text column's distinct values (and the scan's value ids as theirs), checked to be text DuckDB would read as such. */
function textsOf(scanned: ScannedColumns, j: number, name: string): { table: TextValues; ids: Int32Array } | undefined {
  const state = scanned.texts[j];
  if (scanned.kinds[j] !== TEXT || state === undefined) return undefined;
  const table = new TextValues();
  const ids = table.absorb(state);
  if (!table.isUtf8()) throw new CsvUnsupported(`column "${name}" is not UTF-8`);
  if (!table.some((v) => !mightBeTyped(v))) throw new CsvUnsupported(`column "${name}" may hold dates or numbers in another notation`);
  return { table, ids };
}

/** Pieces of a column's numbers as one array of `rows`. */
function joined(pieces: Float64Array[], rows: number): Float64Array {
  if (pieces.length === 1 && pieces[0].length === rows) return pieces[0];
  const out = new Float64Array(rows);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A text column as the table's categorical column: categories in the order the file first shows them (as `encodeStrings`
 * gives DuckDB's reading), whichever thread read which rows.
 */
function categoricalOf(name: string, pieces: Int32Array[], values: { table: TextValues; ids: Int32Array }, rows: number): Column {
  const category = new Int32Array(values.table.size).fill(-1);
  const categories: string[] = [];
  const codes = new Int32Array(rows);
  let at = 0;
  for (const piece of pieces) {
    for (let r = 0; r < piece.length; r++) {
      const id = piece[r];
      if (id < 0) {
        codes[at + r] = -1;
        continue;
      }
      const v = values.ids[id];
      let c = category[v];
      if (c < 0) {
        c = category[v] = categories.length;
        categories.push(values.table.text(v));
      }
      codes[at + r] = c;
    }
    at += piece.length;
  }
  return categoricalColumn(name, codes, categories);
}

/** Three nameless temporary files, or none where the temporary directory cannot take them (the numbers then stay in memory). */
function spillFiles(): number[] {
  try {
    return anonymousFiles(3);
  } catch {
    return [];
  }
}

/**
 * Column j's numbers in the file's order: the pieces in memory, or read back from the threads' spill files block by block
 * (each pass over them reads the files again, through one buffer).
 */
function numbersOf(scanned: ScannedColumns, spills: NumberSpill[], j: number): Iterable<Float64Array> {
  if (scanned.spilled === undefined) return scanned.numbers[j];
  const order = inFileOrder(scanned.spilled.map((part, i) => ({ spans: part.spans, spill: spills[i] })));
  const buffer = new Float64Array(PIECE);
  return {
    *[Symbol.iterator]() {
      for (const o of order) yield* o.from.spill.rows(j, o.start, o.end, buffer);
    },
  };
}
