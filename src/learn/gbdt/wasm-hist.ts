import { ADD, BLOCK, BR, BRIF, END, F64, F64ADD, F64LOAD, F64STORE, GES, GET, I32, I32C, I32LOAD, I32LOAD8U, LOOP, MUL, SET, SHL, singleFunctionModule, sleb, TEE, VOID } from '../wasm/assembler.ts';

// hist(histPtr, binsPtr, F, packedPtr, idxPtr, start, end): for rows idx[start..end), hist[f * 256 + bin] += packed[row]
const P = { hist: 0, bins: 1, F: 2, packed: 3, idx: 4, start: 5, end: 6 };
const L = { i: 7, row: 8, f: 9, a: 10, v: 11 };
const get = (i: number) => [GET, i];
const set = (i: number) => [SET, i];
const i32 = (v: number) => [I32C, ...sleb(v)];

const CODE = [
  ...get(P.start), ...set(L.i),
  BLOCK, VOID, LOOP, VOID,
  ...get(L.i), ...get(P.end), GES, BRIF, 1,
  // r = idx[i]; v = packed[r]; row = bins + r * F
  ...get(P.idx), ...get(L.i), ...i32(2), SHL, ADD, I32LOAD, 2, 0, TEE, L.row,
  ...i32(3), SHL, ...get(P.packed), ADD, F64LOAD, 3, 0, ...set(L.v),
  ...get(P.bins), ...get(L.row), ...get(P.F), MUL, ADD, ...set(L.row),
  ...i32(0), ...set(L.f),
  BLOCK, VOID, LOOP, VOID,
  ...get(L.f), ...get(P.F), GES, BRIF, 1,
  // a = hist + ((f << 8) + bins[row + f]) << 3
  ...get(P.hist), ...get(L.f), ...i32(8), SHL, ...get(L.row), ...get(L.f), ADD, I32LOAD8U, 0, 0, ADD, ...i32(3), SHL, ADD, TEE, L.a,
  ...get(L.a), F64LOAD, 3, 0, ...get(L.v), F64ADD, F64STORE, 3, 0,
  ...get(L.f), ...i32(1), ADD, ...set(L.f),
  BR, 0,
  END, END,
  ...get(L.i), ...i32(1), ADD, ...set(L.i),
  BR, 0,
  END, END,
  END,
];

let compiled: WebAssembly.Module | null = null;

/**
 * The grower's arrays in one WebAssembly memory, so the histogram pass (a third of a GBDT fit) runs without bounds checks:
 * row-major bins, packed gradients, the row order and a fixed set of histograms. Views are made once; the memory never grows
 * afterwards (growing would detach them).
 */
export class HistogramArena {
  readonly bins: Uint8Array;
  readonly packed: Float64Array;
  readonly idx: Uint32Array;
  readonly hists: Float64Array[] = [];
  private readonly run: (...args: number[]) => void;
  private readonly buffer: ArrayBuffer;

  private constructor(rows: number, private readonly F: number, histograms: number) {
    compiled ??= singleFunctionModule('hist', 7, [[4, I32], [1, F64]], CODE);
    const instance = new WebAssembly.Instance(compiled, {});
    const mem = instance.exports.mem as WebAssembly.Memory;
    const align = (n: number) => Math.ceil(n / 8) * 8;
    const binsAt = 0;
    const packedAt = align(rows * F);
    const idxAt = packedAt + rows * 8;
    const histAt = align(idxAt + rows * 4);
    const histBytes = F * 256 * 8;
    const total = histAt + histograms * histBytes;
    mem.grow(Math.ceil(total / 65536) - mem.buffer.byteLength / 65536 + 1);
    this.buffer = mem.buffer as ArrayBuffer;
    this.bins = new Uint8Array(this.buffer, binsAt, rows * F);
    this.packed = new Float64Array(this.buffer, packedAt, rows);
    this.idx = new Uint32Array(this.buffer, idxAt, rows);
    for (let h = 0; h < histograms; h++) this.hists.push(new Float64Array(this.buffer, histAt + h * histBytes, F * 256));
    this.run = instance.exports.hist as (...args: number[]) => void;
  }

  /** An arena for this many rows and histograms, or null where WebAssembly or the memory budget says no. */
  static create(bins: Uint8Array, rows: number, F: number, histograms: number): HistogramArena | null {
    if (typeof WebAssembly !== 'object' || rows * F + rows * 12 + histograms * F * 2048 > 1 << 30) return null;
    const arena = new HistogramArena(rows, F, histograms);
    arena.bins.set(bins);
    return arena;
  }

  /** Whether a histogram lives in this arena (only those can be filled here). */
  owns(hist: Float64Array): boolean {
    return hist.buffer === this.buffer;
  }

  /** hist[f * 256 + bin] += packed[row] for every feature of rows idx[start..end). */
  build(hist: Float64Array, start: number, end: number): void {
    this.run(hist.byteOffset, this.bins.byteOffset, this.F, this.packed.byteOffset, this.idx.byteOffset, start, end);
  }
}
