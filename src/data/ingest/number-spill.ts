import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import type { PieceSink } from '../csv/scanner.ts';

/**
 * A scan's numbers kept in a file instead of memory, so a profile of any number of rows holds one piece per column: piece p
 * of column j (`piece` rows, 8 bytes a number) is at byte ((p * width) + j) * piece * 8. Pieces of text columns are never
 * written (the file has holes there). One file per scanning thread; the caller removes it.
 */
export class NumberSpill implements PieceSink {
  private readonly fd: number;
  constructor(
    readonly path: string,
    readonly width: number,
    /** rows per piece */
    readonly piece: number,
    mode: 'write' | 'read' = 'write',
  ) {
    this.fd = openSync(path, mode === 'write' ? 'w+' : 'r');
  }

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
        if (n === 0) throw new Error(`${this.path}: ends before row ${row + got / 8} of column ${column + 1}`);
        got += n;
      }
      yield buffer.subarray(0, upto - row);
      row = upto;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}
