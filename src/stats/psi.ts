/** Industry-standard PSI bands: below 0.1 stable, 0.1 to 0.25 moderate shift, above 0.25 major shift. */
export const PSI_MODERATE = 0.1;
export const PSI_MAJOR = 0.25;
const FLOOR = 1e-4;

/** Population stability index: sum over bins of (actual - expected) * ln(actual / expected), shares floored at 1e-4. */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(FLOOR, expected[i]);
    const a = Math.max(FLOOR, actual[i]);
    s += (a - e) * Math.log(a / e);
  }
  return s;
}

