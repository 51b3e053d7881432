import { F64_REINTERPRET_I64, F64ADD, f64const, f64x2const, F64MAX, F64MIN, F64MUL, F64NEAREST, F64SUB, get, i32, I64_TRUNC_F64_S, I64ADD, I64C, I64SHL, set, simd, sleb, V } from './assembler.ts';

// ln 2 split so that k * LN2_HI is exact for |k| < 2^20 (its low 32 bits are zero), as in fdlibm's exp
const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const LOG2_E = 1.44269504088896338700;
/** Past this |x| the kernels' callers saturate anyway (a probability of 1e-304); 2^k stays a normal double. */
const LIMIT = 700;
/** Taylor coefficients 1/j!, j = 0..12: on |r| <= ln(2)/2 the first term left out is below 2e-16 of the sum. */
const C = Array.from({ length: 13 }, (_, j) => 1 / Array.from({ length: j }, (_, i) => i + 1).reduce((a, b) => a * b, 1));

/** The arithmetic exp needs, as scalar (f64) or vector (f64x2) instructions. */
interface Flavor {
  constant(v: number): number[];
  mul: number[];
  add: number[];
  sub: number[];
  /** max(a, b) and min(a, b) for b a number: the vector form's pmax / pmin, which agree with max / min there (NaN a stays NaN) */
  max: number[];
  min: number[];
  nearest: number[];
  /** 2^k for the integer-valued k on the stack */
  pow2: number[];
}

/**
 * exp(x) for x in local `x` (clamped to [-700, 700]), left on the stack; `x`, `k` and the three temporaries from `t` on are
 * overwritten. x = k ln 2 + r with k = round(x / ln 2), |r| <= ln(2)/2; e^r by its Taylor polynomial of degree 12, evaluated by
 * Estrin's scheme (powers r^2, r^4, r^8 and pairs of terms: a dependency chain a third of Horner's, which bounded the loop);
 * times 2^k made from its exponent bits.
 */
function expWith(f: Flavor, x: number, k: number, t: number): number[] {
  const [r2, r4, r8] = [t, t + 1, t + 2];
  // c[j] + c[j + 1] r
  const pair = (j: number) => [...f.constant(C[j]), ...f.constant(C[j + 1]), ...get(x), ...f.mul, ...f.add];
  // a + b * p, with a and b code and p a local
  const fold = (a: number[], b: number[], p: number) => [...a, ...b, ...get(p), ...f.mul, ...f.add];
  return [
    ...get(x), ...f.constant(-LIMIT), ...f.max, ...f.constant(LIMIT), ...f.min, ...set(x),
    ...get(x), ...f.constant(LOG2_E), ...f.mul, ...f.nearest, ...set(k),
    ...get(x), ...get(k), ...f.constant(LN2_HI), ...f.mul, ...f.sub, ...get(k), ...f.constant(LN2_LO), ...f.mul, ...f.sub, ...set(x),
    ...get(x), ...get(x), ...f.mul, ...set(r2), ...get(r2), ...get(r2), ...f.mul, ...set(r4), ...get(r4), ...get(r4), ...f.mul, ...set(r8),
    ...fold(fold(fold(pair(0), pair(2), r2), fold(pair(4), pair(6), r2), r4), fold(fold(pair(8), pair(10), r2), f.constant(C[12]), r4), r8),
    ...get(k), ...f.pow2, ...f.mul,
  ];
}

const SCALAR: Flavor = {
  constant: f64const,
  mul: [F64MUL], add: [F64ADD], sub: [F64SUB], max: [F64MAX], min: [F64MIN], nearest: [F64NEAREST],
  pow2: [I64_TRUNC_F64_S, I64C, ...sleb(1023), I64ADD, I64C, ...sleb(52), I64SHL, F64_REINTERPRET_I64],
};

/**
 * WebAssembly code that leaves exp(x) on the stack for the f64 local `x`; `x`, `k` and the f64 locals t, t + 1, t + 2 are
 * overwritten (expWith). Relative error within a few units in the last place of Math.exp's, at a fraction of its cost (no call,
 * no table); gradients need no more, and every thread runs the same instructions.
 */
export function expCode(x: number, k: number, t: number): number[] {
  return expWith(SCALAR, x, k, t);
}

/** The constants expCodeX2 reads, each in both lanes of a v128 local. */
const X2_CONSTANTS = [-LIMIT, LIMIT, LOG2_E, LN2_HI, LN2_LO, ...C, 2 ** 52 + 1023];
/** How many v128 locals expCodeX2's constants take. */
export const EXP_X2_LOCALS = X2_CONSTANTS.length;

/** Code that sets the v128 locals from `c` on to expCodeX2's constants: run it once, before a loop. */
export function expConstantsX2(c: number): number[] {
  return X2_CONSTANTS.flatMap((v, j) => [...f64x2const(v), ...set(c + j)]);
}

/**
 * expCode for two lanes at once (f64x2): the v128 locals `x`, `k` and t..t + 2 as in expCode, the constants read from the
 * EXP_X2_LOCALS v128 locals from `c` on (expConstantsX2). Each lane takes expCode's IEEE operations, so the bits agree; 2^k
 * comes from the low bits of k + 1023 + 2^52.
 */
export function expCodeX2(x: number, k: number, t: number, c: number): number[] {
  const op = (o: number) => simd(o);
  const constant = (v: number) => get(c + X2_CONSTANTS.indexOf(v));
  return expWith({
    constant,
    mul: op(V.f64x2Mul), add: op(V.f64x2Add), sub: op(V.f64x2Sub), max: op(V.f64x2Pmax), min: op(V.f64x2Pmin), nearest: op(V.f64x2Nearest),
    pow2: [...constant(2 ** 52 + 1023), ...op(V.f64x2Add), ...i32(52), ...op(V.i64x2Shl)],
  }, x, k, t);
}

/** 2^k for k in [-1022, 1023], at index k + 1022, from its exponent bits. */
const POW2 = new Float64Array(BigInt64Array.from({ length: 2046 }, (_, i) => BigInt(i + 1) << 52n).buffer);

/** c[j] + c[j + 1] r (a function of its own: made as a closure inside expLike, at every call, it took 30x the time) */
const pair = (j: number, r: number) => C[j] + C[j + 1] * r;

/**
 * expWith's computation in JavaScript, operation for operation (round half to even like f64.nearest), so the grower's
 * JavaScript kernels and its WebAssembly ones give bit-identical gradients.
 */
export function expLike(x: number): number {
  x = Math.min(Math.max(x, -LIMIT), LIMIT);
  const t = x * LOG2_E;
  let k = Math.round(t);
  if (k - t === 0.5 && k % 2 !== 0) k -= 1;
  const r = x - k * LN2_HI - k * LN2_LO;
  const r2 = r * r;
  const r4 = r2 * r2;
  const r8 = r4 * r4;
  const p = pair(0, r) + pair(2, r) * r2 + (pair(4, r) + pair(6, r) * r2) * r4 + (pair(8, r) + pair(10, r) * r2 + C[12] * r4) * r8;
  return p * POW2[k + 1022];
}
