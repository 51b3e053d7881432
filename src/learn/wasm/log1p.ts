import { F64ADD, f64const, F64DIV, F64MUL, get, set } from './assembler.ts';

/**
 * log(1 + u) for u in [0, 1] as 2 atanh(s), s = u / (2 + u) in [0, 1/3]: 2 s (1 + z/3 + z^2/5 + ... + z^16/33) with z = s^2.
 * The first term left out is below 2e-17 of the sum. The polynomial is evaluated by Estrin's scheme (pairs of terms, then
 * pairs of pairs: a dependency chain a quarter of Horner's), in WebAssembly (log1pCode) and in JavaScript (log1pLike)
 * operation for operation, so the two give the same bits.
 */
const C = Array.from({ length: 17 }, (_, j) => 1 / (2 * j + 1));

/**
 * WebAssembly code that leaves log(1 + u) on the stack for the f64 local `u` (in [0, 1], normal or 0); the f64 locals t..t + 5 are
 * overwritten.
 */
export function log1pCode(u: number, t: number): number[] {
  const [s, z, z2, z4, z8, z16] = [t, t + 1, t + 2, t + 3, t + 4, t + 5];
  // a + b * p, with a and b code and p a local
  const fold = (a: number[], b: number[], p: number) => [...a, ...b, ...get(p), F64MUL, F64ADD];
  const pair = (j: number) => fold(f64const(C[j]), f64const(C[j + 1]), z);
  const quad = (j: number) => fold(pair(j), pair(j + 2), z2);
  const oct = (j: number) => fold(quad(j), quad(j + 4), z4);
  const square = (from: number, to: number) => [...get(from), ...get(from), F64MUL, ...set(to)];
  return [
    ...get(u), ...f64const(2), ...get(u), F64ADD, F64DIV, ...set(s),
    ...square(s, z), ...square(z, z2), ...square(z2, z4), ...square(z4, z8), ...square(z8, z16),
    ...f64const(2), ...get(s), F64MUL,
    ...fold(fold(oct(0), oct(8), z8), f64const(C[16]), z16),
    F64MUL,
  ];
}

/** log1pCode's pairs, pairs of pairs and quadruples of pairs in JavaScript (functions of their own, as expLike's pair) */
const pair = (j: number, z: number) => C[j] + C[j + 1] * z;
const quad = (j: number, z: number, z2: number) => pair(j, z) + pair(j + 2, z) * z2;
const oct = (j: number, z: number, z2: number, z4: number) => quad(j, z, z2) + quad(j + 4, z, z2) * z4;

/** log1pCode's computation in JavaScript, operation for operation. */
export function log1pLike(u: number): number {
  const s = u / (2 + u);
  const z = s * s;
  const z2 = z * z;
  const z4 = z2 * z2;
  const z8 = z4 * z4;
  const z16 = z8 * z8;
  return 2 * s * (oct(0, z, z2, z4) + oct(8, z, z2, z4) * z8 + C[16] * z16);
}
