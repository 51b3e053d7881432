import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PieceSink } from '../csv/scanner.ts';

/**
 * `count` temporary files, open for reading and writing, whose names are already gone: the space is the system's again when
 * they are closed or the process ends, however it ends. Descriptors are the process's, so threads share them.
 */
export function anonymousFiles(count: number): number[] {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-spill-'));
  const fds: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const path = join(dir, String(i));
      fds.push(openSync(path, 'w+'));
      unlinkSync(path);
    }
    return fds;
  } catch (e) {
    closeFiles(fds);
    throw e;
  } finally {
    rmdirSync(dir);
  }
}

/** Whether an error is the file system refusing a spill file more data (full, over quota, too large, failing). */
export function spillRefused(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG' || code === 'EIO';
}

/** Close descriptors from anonymousFiles. */
export function closeFiles(fds: readonly number[]): void {
  for (const fd of fds) closeSync(fd);
}

/**
 * A scan's numbers kept in a file instead of memory, so a profile of any number of rows holds one piece per column: piece p
 * of column j (`piece` rows, 8 bytes a number) is at byte ((p * width) + j) * piece * 8. Pieces of text columns are never
 * written (the file has holes there). One file per scanning thread, opened by the caller (see anonymousFiles), who closes it;
 * reads and writes name their position, so several views of one descriptor never disturb each other.
 */
export class NumberSpill implements PieceSink {
  constructor(
    readonly fd: number,
    readonly width: number,
    /** rows per piece */
    readonly piece: number,
  ) {}

  private offset(piece: number, column: number, row = 0): number {
    return ((piece * this.width + column) * this.piece + row) * 8;
  }

  /** The first `rows` numbers of `values` as piece `piece` of `column`. */
  write(piece: number, column: number, values: Float64Array, rows = values.length): void {
    const bytes = new Uint8Array(values.buffer, values.byteOffset, rows * 8);
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, this.offset(piece, column) + done);
  }

  /**
   * Rows [start, end) of `column` as chunks of at most a piece's rows, each read into `buffer` (a piece long): a chunk is
   * valid until the next one is read.
   */
  *rows(column: number, start: number, end: number, buffer: Float64Array): Generator<Float64Array> {
    const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    for (let row = start; row < end; ) {
      const piece = Math.floor(row / this.piece);
      const upto = Math.min(end, (piece + 1) * this.piece);
      const want = (upto - row) * 8;
      let got = 0;
      while (got < want) {
        const n = readSync(this.fd, bytes, got, want - got, this.offset(piece, column, row - piece * this.piece) + got);
        if (n === 0) throw new Error(`the profile's temporary file ends before row ${row + got / 8} of column ${column + 1}`);
        got += n;
      }
      yield buffer.subarray(0, upto - row);
      row = upto;
    }
  }
}
