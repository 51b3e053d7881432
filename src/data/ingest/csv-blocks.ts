import { readSync } from 'node:fs';
import { NumberSpill } from './number-spill.ts';
import { CsvScanner, PIECE, type ScannedColumns } from '../csv/scanner.ts';

/** What a thread needs to read blocks of a file: where records start, the block size, and the shared next-block counter. */
export interface BlockPlan {
  file: string;
  size: number;
  /** the first byte after the header line */
  dataStart: number;
  block: number;
  blocks: number;
  width: number;
  /** Int32Array over a SharedArrayBuffer: the next block to claim; waiters on it are woken at a thread's first claim */
  next: Int32Array;
  /** files (descriptors) where the main thread and the worker write their numbers, instead of keeping them */
  spill: { main: number; worker: number } | null;
  /** keep each row's text value ids (see CsvScanner) */
  keepCodes: boolean;
}

const NL = 10;

/**
 * Claim blocks of the file one at a time (Atomics on the shared counter, so a thread that starts late just claims fewer) and
 * scan the records that start in each. Rows come in no particular order. Throws `CsvInSequence` at a quote: a block may
 * begin inside a quoted field, so such a file is read in sequence instead.
 */
export function scanBlocks(fd: number, plan: BlockPlan, thread: 'main' | 'worker'): { scanned: ScannedColumns; blocks: number } {
  const spill = plan.spill === null ? null : new NumberSpill(plan.spill[thread], plan.width, PIECE);
  try {
    return scanEach(fd, plan, spill);
  } catch (e) {
    // the other thread stops claiming blocks: this reading is over
    Atomics.store(plan.next, 0, plan.blocks);
    throw e;
  }
}

function scanEach(fd: number, plan: BlockPlan, spill: NumberSpill | null): { scanned: ScannedColumns; blocks: number } {
  const scanner = new CsvScanner(plan.width, false, spill, plan.keepCodes);
  const spans: number[] = [];
  let tail = 1 << 16;
  let buf = Buffer.allocUnsafe(plan.block + tail + 1);
  for (;;) {
    const k = Atomics.add(plan.next, 0, 1);
    if (spans.length === 0) Atomics.notify(plan.next, 0);
    if (k >= plan.blocks) return { scanned: scanner.result(spans), blocks: spans.length / 3 };
    const before = scanner.rows;
    const start = plan.dataStart + k * plan.block;
    const end = Math.min(plan.size, start + plan.block);
    // read from the byte before the block (a record starts at the block's first byte only after a line feed) until the
    // line feed that ends the last record starting in the block
    for (;;) {
      const want = Math.min(plan.size - (start - 1), end - start + 1 + tail);
      if (buf.length < want + 1) buf = Buffer.allocUnsafe(want + 1);
      let got = 0;
      while (got < want) {
        const n = readSync(fd, buf, got, want - got, start - 1 + got);
        if (n === 0) break;
        got += n;
      }
      const atEof = start - 1 + got >= plan.size;
      if (atEof && buf[got - 1] !== NL) buf[got++] = NL;
      const first = buf.indexOf(NL) + 1;
      const last = buf.indexOf(NL, end - start);
      if (last < 0 || last >= got) {
        if (atEof) throw new Error(`no line end after byte ${end}`);
        tail *= 4;
        continue;
      }
      if (last + 1 > first) scanner.scan(buf, first, last + 1);
      spans.push(k, before, scanner.rows);
      break;
    }
  }
}
