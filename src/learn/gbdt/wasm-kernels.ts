import { ADD, BLOCK, BR, BRIF, countedLoop, END, F64, F64ABS, F64ADD, f64const, f64x2const, F64DIV, F64EQ, F64FLOOR, F64GE, F64LOAD, F64MAX, F64MUL, F64NEG, F64STORE, F64SUB, GES, get, i32, I32, I32LOAD, I32LOAD8U, I32STORE, LOOP, moduleOf, MUL, SELECT, set, SHL, simd, SUB, TEE, uleb, V, V128, VOID } from '../wasm/assembler.ts';
import { EXP_X2_LOCALS, expCode, expCodeX2, expConstantsX2 } from '../wasm/exp.ts';
import { log1pCode } from '../wasm/log1p.ts';

// hist(histPtr, binsPtr, F, packedPtr, idxPtr, start, end): for rows idx[start..end), hist[f * 256 + bin] += packed[row];
// hist2 (slots of two, for a minimum leaf size): hist[(f * 256 + bin) * 2] += packed[row] and the next slot += 1 (a count)
const P = { hist: 0, bins: 1, F: 2, packed: 3, idx: 4, start: 5, end: 6 };
const L = { i: 7, row: 8, f: 9, a: 10, v: 11, j: 12, pf: 13 };

/** i32.lt_s */
const LTS = 0x48;
/** rows ahead whose bins are read early (prefetchRow) */
const AHEAD = 12;

/**
 * Read the first bin of the row AHEAD positions on (idx[min(i + AHEAD, end - 1)]) into `pf`, so that row's cache line is on
 * its way when its turn comes: a leaf's rows are scattered through a large bin matrix, and WebAssembly has no prefetch
 * instruction (XGBoost's histogram kernel prefetches rows ahead too). Histograms at a million rows took ~15% less time; the
 * partition's short loop (one byte a row) keeps enough rows in flight on its own, and was slower with it.
 */
const prefetchRow = (bins: number, idx: number, i: number, end: number, F: number[], j: number, pf: number) => [
  ...get(i), ...i32(AHEAD), ADD, ...get(end), ...i32(1), SUB, ...get(i), ...i32(AHEAD), ADD, ...get(end), ...i32(1), SUB, LTS, SELECT, ...set(j),
  ...get(pf), ...get(bins), ...get(idx), ...get(j), ...i32(2), SHL, ADD, I32LOAD, 2, 0, ...F, MUL, ADD, I32LOAD8U, 0, 0, ADD, ...set(pf),
];

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
  ...prefetchRow(P.bins, P.idx, L.i, P.end, i32(F), L.j, L.pf),
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

/** i32.gt_s */
const GTS = 0x4a;

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

// Per-row loops of a boosting round, in the arena so they run without bounds checks. Each follows the JavaScript it replaced
// operation for operation (same order of additions, no fused multiply-add in WebAssembly), so results are bit-identical.
/** r = idx[i] */
const rowAt = (idx: number, i: number, r: number) => [...get(idx), ...get(i), ...i32(2), SHL, ADD, I32LOAD, 2, 0, ...set(r)];
/** base + r * 2^shift */
const addr = (base: number, r: number, shift: number) => [...get(base), ...get(r), ...i32(shift), SHL, ADD];

// maxima(gh, idx, n, out): out[0] = max |g|, out[1] = max h over rows idx[0..n)
const MAXIMA = (() => {
  const [gh, idx, n, out, i, r, g, h] = [0, 1, 2, 3, 4, 5, 6, 7];
  return [
    ...i32(0), ...set(i),
    ...countedLoop(i, n, [
      ...rowAt(idx, i, r),
      ...get(g), ...addr(gh, r, 4), F64LOAD, 3, 0, F64ABS, F64MAX, ...set(g),
      ...get(h), ...addr(gh, r, 4), F64LOAD, 3, 8, F64MAX, ...set(h),
    ]),
    ...get(out), ...get(g), F64STORE, 3, 0,
    ...get(out), ...get(h), F64STORE, 3, 8,
    END,
  ];
})();

// quantize(gh, idx, dither, packed, n, rot, invG, invH, shift) -> sum of packed over rows idx[0..n):
// u = dither[r] + rot (minus 1 past 1); packed[r] = floor(g * invG + u) * shift + floor(h * invH + (1 - u))
const QUANTIZE = (() => {
  const [gh, idx, dither, packed, n, rot, invG, invH, shift, i, r, u, p, total] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  return [
    ...i32(0), ...set(i),
    ...countedLoop(i, n, [
      ...rowAt(idx, i, r),
      ...addr(dither, r, 3), F64LOAD, 3, 0, ...get(rot), F64ADD, ...set(u),
      ...get(u), ...f64const(1), F64SUB, ...get(u), ...get(u), ...f64const(1), F64GE, SELECT, ...set(u),
      ...addr(packed, r, 3),
      ...addr(gh, r, 4), F64LOAD, 3, 0, ...get(invG), F64MUL, ...get(u), F64ADD, F64FLOOR, ...get(shift), F64MUL,
      ...addr(gh, r, 4), F64LOAD, 3, 8, ...get(invH), F64MUL, ...f64const(1), ...get(u), F64SUB, F64ADD, F64FLOOR,
      F64ADD, TEE, p, F64STORE, 3, 0,
      ...get(total), ...get(p), F64ADD, ...set(total),
    ]),
    ...get(total),
    END,
  ];
})();

// sums(gh, idx, start, end, out): out[0] += sum of g, out[1] += sum of h over rows idx[start..end), added in row order
const SUMS = (() => {
  const [gh, idx, start, end, out, i, r, g, h] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  return [
    ...get(out), F64LOAD, 3, 0, ...set(g),
    ...get(out), F64LOAD, 3, 8, ...set(h),
    ...get(start), ...set(i),
    ...countedLoop(i, end, [
      ...rowAt(idx, i, r),
      ...get(g), ...addr(gh, r, 4), F64LOAD, 3, 0, F64ADD, ...set(g),
      ...get(h), ...addr(gh, r, 4), F64LOAD, 3, 8, F64ADD, ...set(h),
    ]),
    ...get(out), ...get(g), F64STORE, 3, 0,
    ...get(out), ...get(h), F64STORE, 3, 8,
    END,
  ];
})();

// addLeaf(scores, idx, start, end, stride, v): *(scores + idx[i] * stride) += v for i in [start, end)
const ADD_LEAF = (() => {
  const [scores, idx, start, end, stride, v, i, a] = [0, 1, 2, 3, 4, 5, 6, 7];
  return [
    ...get(start), ...set(i),
    ...countedLoop(i, end, [
      ...get(scores), ...get(idx), ...get(i), ...i32(2), SHL, ADD, I32LOAD, 2, 0, ...get(stride), MUL, ADD, TEE, a,
      ...get(a), F64LOAD, 3, 0, ...get(v), F64ADD, F64STORE, 3, 0,
    ]),
    END,
  ];
})();

// logistic(raw, y, gh, from, to): the binary log-loss's gradients for rows [from, to), as loss.ts's gradients():
// p = 1 / (1 + exp(-raw[i])); gh[2i] = p - y[i]; gh[2i + 1] = max(p (1 - p), 1e-16). Two rows at a time in the lanes of a
// vector (each lane's operations are the scalar ones), an odd last row alone.
const LOGISTIC = (() => {
  // f64 locals x, k, p and three temporaries; v128 locals vx, vk, vp, one, tiny, three temporaries and exp's constants
  const [raw, y, gh, i, end, x, k, p, t] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [vx, vk, vp, one, tiny, vt, c] = [11, 12, 13, 14, 15, 16, 19];
  const v = simd;
  // [g0, h0] and [g1, h1] from the vectors [g0, g1] and [h0, h1]
  const lanes = (from: number) => [...Array.from({ length: 8 }, (_, j) => from + j), ...Array.from({ length: 8 }, (_, j) => 16 + from + j)];
  return [
    ...f64x2const(1), ...set(one), ...f64x2const(1e-16), ...set(tiny), ...expConstantsX2(c),
    BLOCK, VOID, LOOP, VOID,
    ...get(i), ...i32(2), ADD, ...get(end), GTS, BRIF, 1,
    ...addr(raw, i, 3), ...v(V.load), 3, 0, ...v(V.f64x2Neg), ...set(vx),
    ...get(one), ...get(one), ...expCodeX2(vx, vk, vt, c), ...v(V.f64x2Add), ...v(V.f64x2Div), ...set(vp),
    ...get(vp), ...addr(y, i, 3), ...v(V.load), 3, 0, ...v(V.f64x2Sub), ...set(vx),
    ...get(vp), ...get(one), ...get(vp), ...v(V.f64x2Sub), ...v(V.f64x2Mul), ...get(tiny), ...v(V.f64x2Pmax), ...set(vk),
    ...addr(gh, i, 4), ...get(vx), ...get(vk), ...v(V.shuffle), ...lanes(0), ...v(V.store), 3, 0,
    ...addr(gh, i, 4), ...get(vx), ...get(vk), ...v(V.shuffle), ...lanes(8), ...v(V.store), 3, 16,
    ...get(i), ...i32(2), ADD, ...set(i),
    BR, 0,
    END, END,
    ...countedLoop(i, end, [
      ...addr(raw, i, 3), F64LOAD, 3, 0, F64NEG, ...set(x),
      ...f64const(1), ...f64const(1), ...expCode(x, k, t), F64ADD, F64DIV, ...set(p),
      ...addr(gh, i, 4), ...get(p), ...addr(y, i, 3), F64LOAD, 3, 0, F64SUB, F64STORE, 3, 0,
      ...addr(gh, i, 4), ...get(p), ...f64const(1), ...get(p), F64SUB, F64MUL, ...f64const(1e-16), F64MAX, F64STORE, 3, 8,
    ]),
    END,
  ];
})();

// logLoss(raw, y, loss, from, to, first): the binary log-loss of rows [from, to) into loss[row - first], as loss.ts's losses():
// t = -raw[i] where y[i] = 1, raw[i] where y[i] = 0; loss = max(t, 0) + log(1 + exp(-|t|)), with expCode and log1pCode
const LOG_LOSS = (() => {
  const [raw, y, loss, i, end, first, x, k, t, signed, u, l] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13];
  return [
    ...countedLoop(i, end, [
      ...addr(raw, i, 3), F64LOAD, 3, 0, F64NEG, ...addr(raw, i, 3), F64LOAD, 3, 0, ...addr(y, i, 3), F64LOAD, 3, 0, ...f64const(1), F64EQ, SELECT, ...set(signed),
      ...get(signed), F64ABS, F64NEG, ...set(x),
      ...expCode(x, k, t), ...set(u),
      ...get(loss), ...get(i), ...get(first), SUB, ...i32(3), SHL, ADD,
      ...get(signed), ...f64const(0), F64MAX, ...log1pCode(u, l), F64ADD, F64STORE, 3, 0,
    ]),
    END,
  ];
})();

// subtract / add (parent, small, count): parent[j] -= (+=) small[j] for j in [0, count)
const combine = (op: number) => {
  const [parent, small, count, j, a] = [0, 1, 2, 3, 4];
  return [
    ...i32(0), ...set(j),
    ...countedLoop(j, count, [
      ...addr(parent, j, 3), TEE, a,
      ...get(a), F64LOAD, 3, 0, ...addr(small, j, 3), F64LOAD, 3, 0, op, F64STORE, 3, 0,
    ]),
    END,
  ];
};

/** compiled modules by feature count (the unrolled kernel is made for one); a module is immutable, so any arena may share it */
const compiled = new Map<number, WebAssembly.Module>();

/** The arena's kernels as one module on an imported shared memory (env.mem), so helper threads can instantiate it too. */
export function arenaModule(F: number): WebAssembly.Module {
  const key = F <= UNROLL_UP_TO ? F : 0;
  let module = compiled.get(key);
  if (!module) {
    module = moduleOf([
      { name: 'hist', params: 7, results: 0, locals: [[4, I32], [1, F64], [2, I32]], code: key ? histUnrolled(1, F) : histCode(1) },
      { name: 'hist2', params: 7, results: 0, locals: [[4, I32], [1, F64], [2, I32]], code: key ? histUnrolled(2, F) : histCode(2) },
      { name: 'partition', params: 8, results: 1, locals: [[5, I32]], code: PARTITION },
      { name: 'maxima', params: 4, results: 0, locals: [[2, I32], [2, F64]], code: MAXIMA },
      { name: 'quantize', params: [I32, I32, I32, I32, I32, F64, F64, F64, F64], results: [F64], locals: [[2, I32], [3, F64]], code: QUANTIZE },
      { name: 'sums', params: 5, results: 0, locals: [[2, I32], [2, F64]], code: SUMS },
      { name: 'addLeaf', params: [I32, I32, I32, I32, I32, F64], results: 0, locals: [[2, I32]], code: ADD_LEAF },
      { name: 'subtract', params: 3, results: 0, locals: [[2, I32]], code: combine(F64SUB) },
      { name: 'add', params: 3, results: 0, locals: [[2, I32]], code: combine(F64ADD) },
      { name: 'logLoss', params: 6, results: 0, locals: [[13, F64]], code: LOG_LOSS },
      { name: 'logistic', params: 5, results: 0, locals: [[6, F64], [8 + EXP_X2_LOCALS, V128]], code: LOGISTIC },
    ], true);
    compiled.set(key, module);
  }
  return module;
}

type Fn = (...args: number[]) => number;

/** One instance's exported kernels. */
export interface ArenaKernels {
  hist: Fn;
  hist2: Fn;
  partition: Fn;
  maxima: Fn;
  quantize: Fn;
  sums: Fn;
  addLeaf: Fn;
  subtract: Fn;
  add: Fn;
  logistic: Fn;
  logLoss: Fn;
}

/** An instance of the arena's module on `memory`, and its kernels. */
export function arenaKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): ArenaKernels {
  return new WebAssembly.Instance(module, { env: { mem: memory } }).exports as unknown as ArenaKernels;
}

