import { scanNumber, scanned, viewOf } from './decimal.ts';
import { FNV_OFFSET, FNV_PRIME } from '../../core/fnv.ts';
import { TextValues, type TextValuesState } from './text-values.ts';

/**
 * The file is one this reader leaves to the general one (DuckDB): ragged rows, a column of numbers and text together, a
 * quoted number, a stray quote... The general reader then decides, and reports errors in its words.
 */
export class CsvUnsupported extends Error {}

/** Reading the file in blocks on several threads did not work out (a quote, whose field may span lines; columns whose kinds disagree between blocks): read it again in sequence. */
export class CsvInSequence extends CsvUnsupported {}

/** Column kinds: nothing but missing values yet, numbers, text. */
export const UNSEEN = 0;
export const NUMBER = 1;
export const TEXT = 2;

/** Numbers are kept in pieces of this many rows, so columns grow without copying. */
export const PIECE = 1 << 16;

const COMMA = 44;
const NL = 10;
const CR = 13;
const QUOTE = 34;
const MINUS = 45;
const DOT = 46;

/** The columns read from some of a file's rows (arrays only, so they can cross threads). */
export interface ScannedColumns {
  rows: number;
  /** which rows came from which block of the file: triples (block, first row, end row), blocks ascending within a thread */
  spans: number[];
  kinds: Uint8Array;
  integral: Uint8Array;
  /** per column: its numbers (NaN = missing) in pieces; none for text columns, and none when they were spilled */
  numbers: Float64Array[][];
  texts: (TextValuesState | undefined)[];
  /** when the scanner kept them: per text column, each row's value id in `texts` (-1 = missing) in pieces; none for others */
  codes?: Int32Array[][];
  /** the numbers were written to files instead (see NumberSpill): each thread's file, with the spans of its rows */
  spilled?: SpilledPart[];
}

/** Where a scanner puts full pieces of numbers instead of keeping them (a file: see ingest/number-spill.ts). */
export interface PieceSink {
  /** the file's descriptor, named in the scan's result to read the numbers back from */
  readonly fd: number;
  /** the first `rows` numbers of `values` as piece `piece` of `column` */
  write(piece: number, column: number, values: Float64Array, rows?: number): void;
}

/** One scanning thread's spill file and which of the file's blocks its rows came from (triples as ScannedColumns.spans). */
export interface SpilledPart {
  fd: number;
  spans: number[];
}

/**
 * The row ranges of several threads' scans (each with its `spans`) in the file's order: block by block, each block's rows
 * in the scan (`from`) that read them. What puts numbers back in the order a reading in sequence gives.
 */
export function inFileOrder<T extends { spans: number[] }>(parts: readonly T[]): { from: T; start: number; end: number }[] {
  const order: { block: number; from: T; start: number; end: number }[] = [];
  for (const s of parts) for (let i = 0; i < s.spans.length; i += 3) if (s.spans[i + 2] > s.spans[i + 1]) order.push({ block: s.spans[i], from: s, start: s.spans[i + 1], end: s.spans[i + 2] });
  return order.sort((x, y) => x.block - y.block);
}

/** Rows [start, end) of a column kept in consecutive arrays, as views of those arrays. */
function rowsOf<T extends Float64Array | Int32Array>(pieces: T[], start: number, end: number): T[] {
  const out: T[] = [];
  let offset = 0;
  for (const p of pieces) {
    const from = Math.max(start, offset);
    const to = Math.min(end, offset + p.length);
    if (from < to) out.push(p.subarray(from - offset, to - offset) as T);
    offset += p.length;
    if (offset >= end) break;
  }
  return out;
}

/** Rows [start, end) of a part's column j as value ids of the merged table (`ids`: the part's ids there; null: all missing). */
function mergedCodes(part: ScannedColumns, j: number, start: number, end: number, ids: Int32Array | null): Int32Array {
  const out = new Int32Array(end - start).fill(-1);
  if (ids === null) return out;
  let at = 0;
  for (const piece of rowsOf(part.codes![j], start, end)) {
    for (let r = 0; r < piece.length; r++) out[at + r] = piece[r] < 0 ? -1 : ids[piece[r]];
    at += piece.length;
  }
  return out;
}

/**
 * The columns of two sets of rows as one (row order does not matter to a profile). Throws `CsvInSequence` when a column has
 * numbers in one and text in the other, which only reading in sequence settles (text first makes it a text column).
 */
export function mergeScans(a: ScannedColumns, b: ScannedColumns): ScannedColumns {
  const width = a.kinds.length;
  const out: ScannedColumns = { rows: a.rows + b.rows, spans: [0, 0, a.rows + b.rows], kinds: new Uint8Array(width), integral: new Uint8Array(width), numbers: [], texts: [] };
  // spilled numbers stay in their files, read back in the file's order (see the profile's numbersOf)
  const spilled = a.spilled || b.spilled ? [...(a.spilled ?? []), ...(b.spilled ?? [])] : undefined;
  if (spilled) out.spilled = spilled;
  const codes: Int32Array[][] | undefined = a.codes && b.codes ? (out.codes = []) : undefined;
  // numbers are put back in the file's order, block by block, so sums add up in the same order on every run (and as a
  // reading in sequence would)
  const order = inFileOrder([a, b]);
  for (let j = 0; j < width; j++) {
    const ka = a.kinds[j];
    const kb = b.kinds[j];
    if ((ka === NUMBER && kb === TEXT) || (ka === TEXT && kb === NUMBER)) throw new CsvInSequence(`column ${j + 1} holds numbers and text`);
    const kind = Math.max(ka, kb);
    out.kinds[j] = kind;
    out.integral[j] = a.integral[j] & b.integral[j];
    out.numbers.push(kind === TEXT || spilled ? [] : order.flatMap((o) => rowsOf(o.from.numbers[j], o.start, o.end)));
    if (kind === TEXT) {
      const values = new TextValues();
      // each part's value ids as the merged table's
      const ids = new Map<ScannedColumns, Int32Array | null>();
      for (const part of [a, b]) {
        const t = part.texts[j];
        ids.set(part, t ? values.absorb(t) : null);
      }
      out.texts.push(values.state());
      codes?.push(order.map((o) => mergedCodes(o.from, j, o.start, o.end, ids.get(o.from)!)));
    } else {
      out.texts.push(undefined);
      codes?.push([]);
    }
  }
  return out;
}

/**
 * RFC 4180 records (comma-separated, double-quoted with "" for a quote, LF or CRLF line ends) scanned straight from bytes
 * into columns: numbers as doubles (missing = NaN) in pieces of `PIECE` rows, text as counted distinct values. A column
 * becomes numbers or text at its first value; empty fields, quoted or not, are missing. Pure: the caller reads the file and
 * hands over byte ranges that end after a line feed.
 */
export class CsvScanner {
  rows = 0;
  readonly kinds: Uint8Array;
  /** per column: every number written as an integer of at most 18 digits (a BIGINT column) */
  readonly integral: Uint8Array;
  /** per column: the pieces of its numbers (text columns have none) */
  readonly numbers: Float64Array[][];
  readonly texts: (TextValues | undefined)[];
  /** per text column, when kept: the pieces of each row's value id (-1 = missing) */
  readonly codes: Int32Array[][] | null;
  private current: Float64Array[];
  private currentCodes: Int32Array[];
  private pieces = 0;
  private unescaped = new Uint8Array(256);
  /** text values added by the record being read, taken back when it is incomplete */
  private added: Int32Array;

  /**
   * `quotes`: false when records are read from blocks that may start inside a quoted field, so any quote stops the reading;
   * `spill`: where full pieces of numbers go instead of staying in memory (one piece per column is then all it holds);
   * `keepCodes`: keep which value each row of a text column holds (to build a table), not only the values' counts
   */
  constructor(
    readonly width: number,
    private readonly quotes = true,
    private readonly spill: PieceSink | null = null,
    keepCodes = false,
  ) {
    if (keepCodes && spill) throw new Error('CsvScanner: kept codes go with numbers kept in memory, not spilled');
    this.kinds = new Uint8Array(width);
    this.integral = new Uint8Array(width).fill(1);
    this.numbers = Array.from({ length: width }, () => []);
    this.texts = new Array<TextValues | undefined>(width);
    this.current = new Array<Float64Array>(width);
    this.codes = keepCodes ? Array.from({ length: width }, () => []) : null;
    this.currentCodes = new Array<Int32Array>(width);
    this.added = new Int32Array(2 * width);
  }

  /**
   * Read the records in buf[pos, limit), where buf[limit - 1] is a line feed. Returns where reading stopped: `limit`, or the
   * start of a record whose quoted field runs past `limit` (hand it over again with more bytes).
   */
  scan(buf: Uint8Array, pos: number, limit: number): number {
    const width = this.width;
    const kinds = this.kinds;
    const current = this.current;
    const codes = this.codes && this.currentCodes;
    const view = viewOf(buf);
    let row = this.rows;
    while (pos < limit) {
      const start = pos;
      const at = row & (PIECE - 1);
      if (at === 0 && this.pieces * PIECE <= row) this.openPiece();
      let added = 0;
      for (let j = 0; j < width; j++) {
        let c = buf[pos];
        let end: number;
        if (c === COMMA || c === NL || (c === CR && buf[pos + 1] === NL)) {
          end = pos;
          if (kinds[j] !== TEXT) current[j][at] = NaN;
          else if (codes) codes[j][at] = -1;
        } else if (c === QUOTE) {
          if (!this.quotes) throw new CsvInSequence('a quoted field');
          let p = pos + 1;
          let hash = FNV_OFFSET;
          let escaped = false;
          for (;;) {
            if (p >= limit) {
              this.takeBack(added);
              this.rows = row;
              return start;
            }
            const b = buf[p];
            if (b === QUOTE) {
              if (buf[p + 1] !== QUOTE) break;
              escaped = true;
              p++;
            }
            hash = Math.imul(hash ^ b, FNV_PRIME);
            p++;
          }
          end = p + 1;
          if (p === pos + 1) {
            // "" is missing, as an empty field
            if (kinds[j] !== TEXT) current[j][at] = NaN;
            else if (codes) codes[j][at] = -1;
          } else {
            if (kinds[j] === NUMBER) throw new CsvUnsupported(`record ${row + 1}: a quoted value in a column of numbers`);
            const id = escaped ? this.addUnescaped(j, buf, pos + 1, p, hash) : this.addText(j, buf, pos + 1, p, hash);
            this.added[added++] = j;
            this.added[added++] = id;
            if (codes) codes[j][at] = id;
          }
        } else {
          let p = -1;
          if (kinds[j] !== TEXT && ((c >= 48 && c <= 57) || c === MINUS || c === DOT)) {
            p = scanNumber(buf, pos, view);
            if (p >= 0) {
              const t = buf[p];
              if (!(t === COMMA || t === NL || (t === CR && buf[p + 1] === NL))) p = -1;
            }
          }
          if (p >= 0) {
            kinds[j] = NUMBER;
            current[j][at] = scanned.value;
            if (!scanned.integral) this.integral[j] = 0;
            end = p;
          } else {
            let q = pos;
            let hash = FNV_OFFSET;
            for (;;) {
              const b = buf[q];
              if (b === COMMA || b === NL || (b === CR && buf[q + 1] === NL)) break;
              if (b === QUOTE) throw this.quotes ? new CsvUnsupported(`record ${row + 1}: a quote inside an unquoted field`) : new CsvInSequence('a quote');
              hash = Math.imul(hash ^ b, FNV_PRIME);
              q++;
            }
            if (kinds[j] === NUMBER) throw new CsvUnsupported(`record ${row + 1}: column ${j + 1} holds numbers and text`);
            const id = this.addText(j, buf, pos, q, hash);
            this.added[added++] = j;
            this.added[added++] = id;
            if (codes) codes[j][at] = id;
            end = q;
          }
        }
        c = buf[end];
        if (c === CR) c = buf[++end];
        if (j === width - 1 ? c !== NL : c !== COMMA) throw new CsvUnsupported(`record ${row + 1}: ${c === NL ? 'fewer' : 'more'} fields than the header, or a stray character`);
        pos = end + 1;
      }
      row++;
    }
    this.rows = row;
    return pos;
  }

  /** What was read: each column's numbers as pieces, the last cut to the rows read; `spans` as in ScannedColumns. */
  result(spans = [0, 0, this.rows]): ScannedColumns {
    const tail = this.rows - (this.pieces - 1) * PIECE;
    if (this.spill) {
      if (this.pieces > 0) this.spillPiece(tail);
      return { rows: this.rows, spans, kinds: this.kinds, integral: this.integral, numbers: this.numbers.map(() => []), texts: this.texts.map((t) => t?.state()), spilled: [{ fd: this.spill.fd, spans }] };
    }
    return {
      rows: this.rows,
      spans,
      kinds: this.kinds,
      integral: this.integral,
      numbers: this.numbers.map((pieces) => pieces.map((p, i) => (i === this.pieces - 1 ? p.subarray(0, tail) : p))),
      texts: this.texts.map((t) => t?.state()),
      ...(this.codes ? { codes: this.codes.map((pieces) => pieces.map((p, i) => (i === this.pieces - 1 ? p.subarray(0, tail) : p))) } : {}),
    };
  }

  /** The current piece's first `rows` numbers of every column that may hold numbers, to the spill file. */
  private spillPiece(rows: number): void {
    for (let j = 0; j < this.width; j++) if (this.kinds[j] !== TEXT) this.spill!.write(this.pieces - 1, j, this.current[j], rows);
  }

  private openPiece(): void {
    if (this.spill && this.pieces > 0) {
      // the full piece goes to the file and its arrays are filled again
      this.spillPiece(PIECE);
      this.pieces++;
      return;
    }
    for (let j = 0; j < this.width; j++) {
      if (this.kinds[j] === TEXT) {
        if (this.codes) this.codes[j].push((this.currentCodes[j] = new Int32Array(PIECE)));
        continue;
      }
      const piece = new Float64Array(PIECE);
      this.numbers[j].push(piece);
      this.current[j] = piece;
    }
    this.pieces++;
  }

  private addText(j: number, buf: Uint8Array, start: number, end: number, hash: number): number {
    let values = this.texts[j];
    if (values === undefined) {
      // the first text of a column: it had only missing values, and keeps no numbers
      values = this.texts[j] = new TextValues();
      this.kinds[j] = TEXT;
      this.numbers[j] = [];
      if (this.codes) {
        // the rows so far were all missing
        this.codes[j] = Array.from({ length: this.pieces }, () => new Int32Array(PIECE).fill(-1));
        this.currentCodes[j] = this.codes[j][this.pieces - 1];
      }
    }
    return values.add(buf, start, end, hash);
  }

  private addUnescaped(j: number, buf: Uint8Array, start: number, end: number, hash: number): number {
    if (this.unescaped.length < end - start) this.unescaped = new Uint8Array(2 * (end - start));
    let n = 0;
    for (let i = start; i < end; i++) {
      this.unescaped[n++] = buf[i];
      if (buf[i] === QUOTE) i++;
    }
    return this.addText(j, this.unescaped, 0, n, hash);
  }

  private takeBack(added: number): void {
    for (let k = 0; k < added; k += 2) this.texts[this.added[k]]!.remove(this.added[k + 1]);
  }
}
