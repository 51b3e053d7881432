import { ADD, countedLoop, END, EQZ, F64ADD, f64const, F64LOAD, F64MUL, F64STORE, get, i32, I32, I32LOAD, I32LOAD8U, I32STORE, I32STORE8, IF, moduleOf, MUL, set, SHL, TEE, VOID } from '../wasm/assembler.ts';

// Histogram loops of the forest grower in WebAssembly (no bounds checks): one pass over a node's rows for one feature,
// noting which bins the node touches. They follow the JavaScript loops they replace addition for addition, so trees are
// the same bit for bit.

/** Shared head of a pass: b = col[idx[i]]; a first sight of b is recorded in seen / touched. */
const seeBin = (col: number, idx: number, i: number, seen: number, touched: number, b: number, nt: number) => [
  ...get(col), ...get(idx), ...get(i), ...i32(2), SHL, ADD, I32LOAD, 2, 0, ADD, I32LOAD8U, 0, 0, ...set(b),
  ...get(seen), ...get(b), ADD, I32LOAD8U, 0, 0, EQZ,
  IF, VOID,
  ...get(seen), ...get(b), ADD, ...i32(1), I32STORE8, 0, 0,
  ...get(touched), ...get(nt), ...i32(2), SHL, ADD, ...get(b), I32STORE, 2, 0,
  ...get(nt), ...i32(1), ADD, ...set(nt),
  END,
];

/** *(f64*)(ptr) += value, the address computed by `at` (left in local a). */
const addTo = (at: number[], a: number, value: number[]) => [...at, TEE, a, ...get(a), F64LOAD, 3, 0, ...value, F64ADD, F64STORE, 3, 0];

/** A pass over a node's rows i = start + j: j counts along with i. */
const loop = (i: number, j: number, end: number, body: number[]) => countedLoop(i, end, [...body, ...get(j), ...i32(1), ADD, ...set(j)]);

// classes(col, idx, start, end, nw, nyc, stat, K, seen, touched, counts, cnt) -> nt:
// stat[b * K + nyc[j]] += nw[j] (and cnt[b] += 1 when counts) for the node's rows i = start + j
const CLASSES = (() => {
  const [col, idx, start, end, nw, nyc, stat, K, seen, touched, counts, cnt, i, j, b, nt, a] = Array.from({ length: 17 }, (_, x) => x);
  return [
    ...get(start), ...set(i),
    ...loop(i, j, end, [
      ...seeBin(col, idx, i, seen, touched, b, nt),
      ...addTo([...get(stat), ...get(b), ...get(K), MUL, ...get(nyc), ...get(j), ...i32(2), SHL, ADD, I32LOAD, 2, 0, ADD, ...i32(3), SHL, ADD], a,
        [...get(nw), ...get(j), ...i32(3), SHL, ADD, F64LOAD, 3, 0]),
      ...get(counts), IF, VOID,
      ...addTo([...get(cnt), ...get(b), ...i32(3), SHL, ADD], a, f64const(1)),
      END,
    ]),
    ...get(nt),
    END,
  ];
})();

// values(col, idx, start, end, nw, ny, stat, wsum, cnt, seen, touched) -> nt:
// stat[b] += nw[j] * ny[j]; wsum[b] += nw[j]; cnt[b] += 1
const VALUES = (() => {
  const [col, idx, start, end, nw, ny, stat, wsum, cnt, seen, touched, i, j, b, nt, a] = Array.from({ length: 16 }, (_, x) => x);
  const wAt = [...get(nw), ...get(j), ...i32(3), SHL, ADD, F64LOAD, 3, 0];
  return [
    ...get(start), ...set(i),
    ...loop(i, j, end, [
      ...seeBin(col, idx, i, seen, touched, b, nt),
      ...addTo([...get(stat), ...get(b), ...i32(3), SHL, ADD], a, [...wAt, ...get(ny), ...get(j), ...i32(3), SHL, ADD, F64LOAD, 3, 0, F64MUL]),
      ...addTo([...get(wsum), ...get(b), ...i32(3), SHL, ADD], a, wAt),
      ...addTo([...get(cnt), ...get(b), ...i32(3), SHL, ADD], a, f64const(1)),
    ]),
    ...get(nt),
    END,
  ];
})();

let compiled: WebAssembly.Module | null = null;

/** Largest arena made; past it the grower keeps its JavaScript loops (tests lower it to exercise them). */
export const FOREST_ARENA_BUDGET = { bytes: 1 << 30 };

/**
 * The forest grower's arrays in one WebAssembly memory: the binned columns (column-major), the row order and weights, the
 * node's gathered weights and targets, and the per-bin accumulators. Views are made once and the memory never grows.
 */
export class ForestArena {
  readonly columns: Uint8Array[];
  readonly idx: Uint32Array;
  readonly w: Float64Array;
  readonly nw: Float64Array;
  readonly ny: Float64Array;
  readonly nyc: Int32Array;
  readonly stat: Float64Array;
  readonly wsum: Float64Array;
  readonly cnt: Float64Array;
  readonly seen: Uint8Array;
  readonly touched: Int32Array;
  private readonly classesFn: (...args: number[]) => number;
  private readonly valuesFn: (...args: number[]) => number;

  private constructor(columns: Uint8Array[], rows: number, K: number) {
    compiled ??= moduleOf([
      { name: 'classes', params: 12, results: 1, locals: [[5, I32]], code: CLASSES },
      { name: 'values', params: 11, results: 1, locals: [[5, I32]], code: VALUES },
    ]);
    const instance = new WebAssembly.Instance(compiled, {});
    const mem = instance.exports.mem as WebAssembly.Memory;
    const l = forestLayout(columns.length, rows, K);
    mem.grow(Math.ceil(l.total / 65536) - mem.buffer.byteLength / 65536 + 1);
    const buf = mem.buffer as ArrayBuffer;
    this.columns = columns.map((c, f) => {
      const view = new Uint8Array(buf, l.columns + f * rows, rows);
      view.set(c);
      return view;
    });
    this.idx = new Uint32Array(buf, l.idx, rows);
    this.w = new Float64Array(buf, l.w, rows);
    this.nw = new Float64Array(buf, l.nw, rows);
    this.ny = new Float64Array(buf, l.ny, rows);
    this.nyc = new Int32Array(buf, l.nyc, rows);
    this.stat = new Float64Array(buf, l.stat, 256 * K);
    this.wsum = new Float64Array(buf, l.wsum, 256);
    this.cnt = new Float64Array(buf, l.cnt, 256);
    this.seen = new Uint8Array(buf, l.seen, 256);
    this.touched = new Int32Array(buf, l.touched, 256);
    this.classesFn = instance.exports.classes as (...args: number[]) => number;
    this.valuesFn = instance.exports.values as (...args: number[]) => number;
  }

  /** An arena for these binned columns and K accumulators per bin, or null where WebAssembly or the budget says no. */
  static create(columns: Uint8Array[], rows: number, K: number): ForestArena | null {
    if (typeof WebAssembly !== 'object' || forestLayout(columns.length, rows, K).total > FOREST_ARENA_BUDGET.bytes) return null;
    return new ForestArena(columns, rows, K);
  }

  /** Class histogram of feature f over the node's rows idx[start..end) (nw / nyc gathered for them); returns the touched-bin count. */
  classes(f: number, start: number, end: number, K: number, counts: boolean): number {
    return this.classesFn(this.columns[f].byteOffset, this.idx.byteOffset, start, end, this.nw.byteOffset, this.nyc.byteOffset, this.stat.byteOffset, K, this.seen.byteOffset, this.touched.byteOffset, counts ? 1 : 0, this.cnt.byteOffset);
  }

  /** Value histogram (sum of w * y, sum of w, count) of feature f over the node's rows; returns the touched-bin count. */
  values(f: number, start: number, end: number): number {
    return this.valuesFn(this.columns[f].byteOffset, this.idx.byteOffset, start, end, this.nw.byteOffset, this.ny.byteOffset, this.stat.byteOffset, this.wsum.byteOffset, this.cnt.byteOffset, this.seen.byteOffset, this.touched.byteOffset);
  }
}

function forestLayout(F: number, rows: number, K: number) {
  const align = (n: number) => Math.ceil(n / 8) * 8;
  const columns = 0;
  const idx = align(F * rows);
  const w = align(idx + rows * 4);
  const nw = w + rows * 8;
  const ny = nw + rows * 8;
  const stat = ny + rows * 8;
  const wsum = stat + 256 * K * 8;
  const cnt = wsum + 256 * 8;
  const nyc = cnt + 256 * 8;
  const touched = nyc + rows * 4;
  const seen = touched + 256 * 4;
  return { columns, idx, w, nw, ny, nyc, stat, wsum, cnt, seen, touched, total: seen + 256 };
}
