import { closeSync, openSync, readSync } from 'node:fs';
import { NumberSpill, spillRefused } from './number-spill.ts';
import { CsvInSequence, CsvScanner, CsvUnsupported, mergeScans, PIECE, type ScannedColumns } from '../csv/scanner.ts';
import { siblingModule, startThread } from '../../threads/pool.ts';
import { scanBlocks, type BlockPlan } from './csv-blocks.ts';

/** Bytes read at a time into one reused buffer (fresh memory is slow to fault in: ~3 ms a MB on these machines). */
const BLOCK = 1 << 22;
const NL = 10;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The header's names from the first line (BOM skipped), and where the records start; undefined when it is not complete. */
function headerOf(buf: Uint8Array, filled: number): { names: string[]; end: number } | undefined {
  let pos = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  const names: string[] = [];
  for (;;) {
    let start = pos;
    let end: number;
    let escaped = false;
    if (buf[pos] === 34) {
      start = ++pos;
      for (;;) {
        if (pos >= filled) return undefined;
        if (buf[pos] === 34) {
          if (buf[pos + 1] !== 34) break;
          escaped = true;
          pos++;
        }
        pos++;
      }
      end = pos++;
    } else {
      while (pos < filled && buf[pos] !== 44 && buf[pos] !== NL && buf[pos] !== 34) pos++;
      if (buf[pos] === 34) throw new CsvUnsupported('a quote inside an unquoted header name');
      end = pos > start && buf[pos] === NL && buf[pos - 1] === 13 ? pos - 1 : pos;
    }
    if (pos >= filled) return undefined;
    let name: string;
    try {
      name = utf8.decode(buf.subarray(start, end));
    } catch {
      throw new CsvUnsupported('a header name that is not UTF-8');
    }
    names.push(escaped ? name.replaceAll('""', '"') : name);
    if (buf[pos] === 13 && buf[pos + 1] === NL) pos++;
    if (buf[pos] === NL) return { names, end: pos + 1 };
    if (buf[pos] !== 44) throw new CsvUnsupported('a stray character after a quoted header name');
    pos++;
  }
}

/** The header line's names, checked (DuckDB renames empty and repeated names; such files are left to it). */
function namesOf(header: { names: string[] }): string[] {
  const names = header.names;
  if (names.some((n) => n.length === 0) || new Set(names).size !== names.length) throw new CsvUnsupported('empty or repeated column names');
  return names;
}

/** Read a CSV file in sequence, a block at a time through one buffer (its numbers to the file `spill` when given). */
function scanInSequence(file: string, block: number, spill: Spill | null, keepCodes: boolean): { names: string[]; scanned: ScannedColumns } {
  const fd = openSync(file, 'r');
  try {
    // one spare byte for the line feed a last line may lack
    let buf = Buffer.allocUnsafe(block + 1);
    let filled = 0;
    let eof = false;
    let names: string[] | undefined;
    let scanner: CsvScanner | undefined;
    for (;;) {
      while (!eof && filled < buf.length - 1) {
        const n = readSync(fd, buf, filled, buf.length - 1 - filled, null);
        if (n === 0) eof = true;
        filled += n;
      }
      if (eof && filled > 0 && buf[filled - 1] !== NL) buf[filled++] = NL;
      let pos = 0;
      if (scanner === undefined) {
        const header = headerOf(buf, filled);
        if (header !== undefined) {
          names = namesOf(header);
          scanner = new CsvScanner(names.length, true, spill === null ? null : new NumberSpill(spill.sequence, names.length, PIECE), keepCodes);
          pos = header.end;
        } else if (eof) throw new CsvUnsupported('no complete header line');
      }
      let stop = pos;
      if (scanner !== undefined) {
        const limit = buf.lastIndexOf(NL, filled - 1) + 1;
        if (limit > pos) stop = scanner.scan(buf, pos, limit);
      }
      if (eof) {
        if (stop < filled) throw new CsvUnsupported('a quoted field runs to the end of the file');
        return { names: names!, scanned: scanner!.result() };
      }
      if (stop === 0) {
        // a record (or the header) longer than the buffer
        const bigger = Buffer.allocUnsafe(2 * buf.length - 1);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      } else {
        buf.copyWithin(0, stop, filled);
        filled -= stop;
      }
    }
  } finally {
    closeSync(fd);
  }
}

type WorkerReply = { scanned?: ScannedColumns; failed?: string; code?: string; inSequence?: boolean };

/** A worker thread reading blocks of the plan: its one reply, and a way to stop it. */
function blockWorker(plan: BlockPlan): { reply: Promise<WorkerReply>; stop: () => Promise<void> } {
  const worker = startThread(siblingModule(import.meta.url, './csv-worker'), plan);
  const reply = new Promise<WorkerReply>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the reading thread exited with code ${code}`)));
  });
  reply.catch(() => undefined);
  // stopped means stopped: it may be writing to a spill file the caller is about to close
  return { reply, stop: () => worker.terminate().then(() => undefined) };
}

/**
 * Read a large CSV file on two threads: both claim blocks of it until none are left (the worker's start-up just means it
 * claims fewer), and their columns are merged. Falls back to reading in sequence when a quote appears (a block could start
 * inside a quoted field) or the threads' columns disagree.
 */
async function scanInParallel(file: string, size: number, tuning: Tuning, spill: Spill | null, keepCodes: boolean): Promise<{ names: string[]; scanned: ScannedColumns }> {
  const block = tuning.block;
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.allocUnsafe(Math.min(size, 1 << 20) + 1);
    const n = readSync(fd, head, 0, head.length - 1, 0);
    const header = headerOf(head, n);
    if (header === undefined) return scanInSequence(file, block, spill, keepCodes);
    const names = namesOf(header);
    const plan: BlockPlan = { file, size, dataStart: header.end, block, blocks: Math.ceil((size - header.end) / block), width: names.length, next: new Int32Array(new SharedArrayBuffer(4)), spill, keepCodes };
    const worker = blockWorker(plan);
    // a worker writing to a spill file is waited for (the file is closed after); otherwise it is let go
    const halt = () => (spill ? worker.stop() : void worker.stop());
    // for tests: start once the worker has claimed its first block, so that both threads read some
    if (tuning.together) Atomics.wait(plan.next, 0, 0, 30_000);
    let mine: { scanned: ScannedColumns; blocks: number };
    try {
      mine = scanBlocks(fd, plan, 'main');
    } catch (e) {
      await halt();
      if (e instanceof CsvInSequence) return scanInSequence(file, block, spill, keepCodes);
      throw e;
    }
    tuning.split?.(mine.blocks, plan.blocks);
    // every block read here: the worker, perhaps still starting, has none
    if (mine.blocks === plan.blocks) {
      await halt();
      return { names, scanned: mine.scanned };
    }
    let theirs: WorkerReply;
    try {
      theirs = await worker.reply;
    } catch {
      // the thread could not run (it read nothing that counts): read the file here
      return scanInSequence(file, block, spill, keepCodes);
    }
    if (theirs.scanned === undefined) {
      if (theirs.inSequence) return scanInSequence(file, block, spill, keepCodes);
      // a spill file that ran out of room is the caller's to handle (it profiles in memory then)
      if (spillRefused(theirs)) throw Object.assign(new Error(theirs.failed), { code: theirs.code });
      throw new CsvUnsupported(theirs.failed ?? 'the reading thread failed');
    }
    try {
      return { names, scanned: mergeScans(mine.scanned, theirs.scanned) };
    } catch (e) {
      if (e instanceof CsvInSequence) return scanInSequence(file, block, spill, keepCodes);
      throw e;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * How a file is read: from what size on two threads, in blocks of how many bytes, from what size its numbers go to
 * temporary files; for tests, whether the main thread waits for the worker's first block, and how the blocks were shared.
 */
export interface Tuning {
  parallelFrom: number;
  spillFrom?: number;
  block: number;
  together?: boolean;
  split?: (mainBlocks: number, blocks: number) => void;
}

/** The temporary files a profile's numbers go to (see csv-profile.ts). */
export interface Spill {
  main: number;
  worker: number;
  sequence: number;
}

/** Files from this size are read on two threads. */
const PARALLEL_FROM = 32 << 20;

export const DEFAULT_TUNING: Tuning = { parallelFrom: PARALLEL_FROM, block: BLOCK };

/**
 * Read a CSV file's header and records into columns, on two threads from `tuning.parallelFrom` bytes on: numbers kept in
 * pieces or written to the `spill` files, text as counted distinct values and, with `keepCodes`, each row's value id (what a
 * table needs). Throws `CsvUnsupported` for a file to leave to DuckDB.
 */
export function scanCsv(file: string, size: number, tuning: Tuning, spill: Spill | null, keepCodes: boolean): Promise<{ names: string[]; scanned: ScannedColumns }> {
  return size >= tuning.parallelFrom ? scanInParallel(file, size, tuning, spill, keepCodes) : Promise.resolve(scanInSequence(file, tuning.block, spill, keepCodes));
}

