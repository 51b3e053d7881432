import { ADD, BLOCK, BR, BRIF, END, F64, F64ADD, f64const, F64LOAD, F64STORE, GES, GET, I32, I32C, I32LOAD, I32LOAD8U, I32STORE, LOOP, moduleOf, MUL, SET, SHL, sleb, SUB, TEE, uleb, VOID } from '../wasm/assembler.ts';

// hist(histPtr, binsPtr, F, packedPtr, idxPtr, start, end): for rows idx[start..end), hist[f * 256 + bin] += packed[row];
// hist2 (slots of two, for a minimum leaf size): hist[(f * 256 + bin) * 2] += packed[row] and the next slot += 1 (a count)
const P = { hist: 0, bins: 1, F: 2, packed: 3, idx: 4, start: 5, end: 6 };
const L = { i: 7, row: 8, f: 9, a: 10, v: 11 };
const get = (i: number) => [GET, i];
const set = (i: number) => [SET, i];
const i32 = (v: number) => [I32C, ...sleb(v)];

const histCode = (slot: 1 | 2) => [
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
  // a = hist + ((f << 8) + bins[row + f]) << (3 or 4)
  ...get(P.hist), ...get(L.f), ...i32(8), SHL, ...get(L.row), ...get(L.f), ADD, I32LOAD8U, 0, 0, ADD, ...i32(slot === 1 ? 3 : 4), SHL, ADD, TEE, L.a,
  ...get(L.a), F64LOAD, 3, 0, ...get(L.v), F64ADD, F64STORE, 3, 0,
  ...(slot === 2 ? [...get(L.a), ...get(L.a), F64LOAD, 3, 8, ...f64const(1), F64ADD, F64STORE, 3, 8] : []),
  ...get(L.f), ...i32(1), ADD, ...set(L.f),
  BR, 0,
  END, END,
  ...get(L.i), ...i32(1), ADD, ...set(L.i),
  BR, 0,
  END, END,
  END,
];

/**
 * The same kernel for a known feature count, the feature loop unrolled: feature f's bin is read at a constant offset f from
 * the row and its histogram at a constant offset f * 256 slots, so a (row, feature) step is five instructions and no branch.
 */
const histUnrolled = (slot: 1 | 2, F: number) => [
  ...get(P.start), ...set(L.i),
  BLOCK, VOID, LOOP, VOID,
  ...get(L.i), ...get(P.end), GES, BRIF, 1,
  ...get(P.idx), ...get(L.i), ...i32(2), SHL, ADD, I32LOAD, 2, 0, TEE, L.row,
  ...i32(3), SHL, ...get(P.packed), ADD, F64LOAD, 3, 0, ...set(L.v),
  ...get(P.bins), ...get(L.row), ...i32(F), MUL, ADD, ...set(L.row),
  ...Array.from({ length: F }, (_, f) => {
    const at = uleb(f * 256 * slot * 8);
    return [
      ...get(P.hist), ...get(L.row), I32LOAD8U, 0, ...uleb(f), ...i32(slot === 1 ? 3 : 4), SHL, ADD, TEE, L.a,
      ...get(L.a), F64LOAD, 3, ...at, ...get(L.v), F64ADD, F64STORE, 3, ...at,
      ...(slot === 2 ? [...get(L.a), ...get(L.a), F64LOAD, 3, ...uleb(f * 4096 + 8), ...f64const(1), F64ADD, F64STORE, 3, ...uleb(f * 4096 + 8)] : []),
    ];
  }).flat(),
  ...get(L.i), ...i32(1), ADD, ...set(L.i),
  BR, 0,
  END, END,
  END,
];

/** Past this many features the unrolled kernel's code would be large; the looping one serves. */
const UNROLL_UP_TO = 512;

// partition(binsPtr, F, f, lutPtr, idxPtr, tmpPtr, start, end) -> mid: stable, branch-free split of idx[start..end) by
// lut[bins[row * F + f]] (1 = left); the right side goes through tmp
const Q = { bins: 0, F: 1, f: 2, lut: 3, idx: 4, tmp: 5, start: 6, end: 7 };
const M = { i: 8, l: 9, t: 10, r: 11, left: 12 };
const PARTITION = [
  ...get(Q.start), ...set(M.i), ...get(Q.start), ...set(M.l), ...i32(0), ...set(M.t),
  BLOCK, VOID, LOOP, VOID,
  ...get(M.i), ...get(Q.end), GES, BRIF, 1,
  ...get(Q.idx), ...get(M.i), ...i32(2), SHL, ADD, I32LOAD, 2, 0, ...set(M.r),
  ...get(Q.lut), ...get(Q.bins), ...get(M.r), ...get(Q.F), MUL, ADD, ...get(Q.f), ADD, I32LOAD8U, 0, 0, ADD, I32LOAD8U, 0, 0, ...set(M.left),
  ...get(Q.idx), ...get(M.l), ...i32(2), SHL, ADD, ...get(M.r), I32STORE, 2, 0,
  ...get(Q.tmp), ...get(M.t), ...i32(2), SHL, ADD, ...get(M.r), I32STORE, 2, 0,
  ...get(M.l), ...get(M.left), ADD, ...set(M.l),
  ...get(M.t), ...i32(1), ADD, ...get(M.left), SUB, ...set(M.t),
  ...get(M.i), ...i32(1), ADD, ...set(M.i),
  BR, 0,
  END, END,
  ...get(M.l),
  END,
];

/** compiled modules by feature count (the unrolled kernel is made for one) */
const compiled = new Map<number, WebAssembly.Module>();

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
  private readonly tmp: Uint32Array;
  private readonly lut: Uint8Array;
  private readonly run: (...args: number[]) => void;
  private readonly split: (...args: number[]) => number;
  private readonly buffer: ArrayBuffer;

  private constructor(rows: number, private readonly F: number, histograms: number, slot: 1 | 2) {
    const key = F <= UNROLL_UP_TO ? F : 0;
    let module = compiled.get(key);
    if (!module) {
      module = moduleOf([
        { name: 'hist', params: 7, results: 0, locals: [[4, I32], [1, F64]], code: key ? histUnrolled(1, F) : histCode(1) },
        { name: 'hist2', params: 7, results: 0, locals: [[4, I32], [1, F64]], code: key ? histUnrolled(2, F) : histCode(2) },
        { name: 'partition', params: 8, results: 1, locals: [[5, I32]], code: PARTITION },
      ]);
      compiled.set(key, module);
    }
    const instance = new WebAssembly.Instance(module, {});
    const mem = instance.exports.mem as WebAssembly.Memory;
    const align = (n: number) => Math.ceil(n / 8) * 8;
    const binsAt = 0;
    const packedAt = align(rows * F);
    const idxAt = packedAt + rows * 8;
    const tmpAt = align(idxAt + rows * 4);
    const lutAt = align(tmpAt + rows * 4);
    const histAt = align(lutAt + 256);
    const histBytes = F * 256 * 8 * slot;
    const total = histAt + histograms * histBytes;
    mem.grow(Math.ceil(total / 65536) - mem.buffer.byteLength / 65536 + 1);
    this.buffer = mem.buffer as ArrayBuffer;
    this.bins = new Uint8Array(this.buffer, binsAt, rows * F);
    this.packed = new Float64Array(this.buffer, packedAt, rows);
    this.idx = new Uint32Array(this.buffer, idxAt, rows);
    this.tmp = new Uint32Array(this.buffer, tmpAt, rows);
    this.lut = new Uint8Array(this.buffer, lutAt, 256);
    for (let h = 0; h < histograms; h++) this.hists.push(new Float64Array(this.buffer, histAt + h * histBytes, F * 256 * slot));
    this.run = instance.exports[slot === 1 ? 'hist' : 'hist2'] as (...args: number[]) => void;
    this.split = instance.exports.partition as (...args: number[]) => number;
  }

  /** An arena for this many rows and histograms, or null where WebAssembly or the memory budget says no. */
  static create(bins: Uint8Array, rows: number, F: number, histograms: number, slot: 1 | 2 = 1): HistogramArena | null {
    if (typeof WebAssembly !== 'object' || rows * F + rows * 16 + histograms * F * 2048 * slot > 1 << 30) return null;
    const arena = new HistogramArena(rows, F, histograms, slot);
    arena.bins.set(bins);
    return arena;
  }

  /** Whether a histogram lives in this arena (only those can be filled here). */
  owns(hist: Float64Array): boolean {
    return hist.buffer === this.buffer;
  }

  /** Stable in-place partition of idx[start..end) by table[bin of feature f] (1 = left); returns where the right side starts. */
  partition(f: number, table: Uint8Array, start: number, end: number): number {
    this.lut.set(table);
    const mid = this.split(this.bins.byteOffset, this.F, f, this.lut.byteOffset, this.idx.byteOffset, this.tmp.byteOffset, start, end);
    this.idx.set(this.tmp.subarray(0, end - mid), mid);
    return mid;
  }

  /** hist[f * 256 + bin] += packed[row] (with slots of two: and the bin's row count += 1) for every feature of rows idx[start..end). */
  build(hist: Float64Array, start: number, end: number): void {
    this.run(hist.byteOffset, this.bins.byteOffset, this.F, this.packed.byteOffset, this.idx.byteOffset, start, end);
  }
}

