/** Index of the first edge >= v in ascending edges (edges.length when none): the bin of v when bin i ends at edges[i]. */
export function binOf(edges: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const LOOKUP = 4096;

/**
 * The bin of every value (as `binOf`: the first edge >= v; NaN -> `missing`) of ascending `edges` (fewer than 255), without a
 * binary search per value: a table over equal-width slices of the edges' range gives a starting bin, and a step or two either
 * way settles it, so floating-point rounding in the slice never decides a bin. (Binning 160 000 x 20 values by search was a
 * tenth of a GBDT fit; counting a model's training values into its drift baseline's bins by search, 0.6 s at a million rows.)
 * Value i's bin goes to out[at + i * stride] (a stride writes one feature of row-major bins).
 */
export function binsOf(values: Float64Array, edges: ArrayLike<number>, out: Uint8Array, missing: number, at = 0, stride = 1): void {
  const E = edges.length;
  const lo = E > 0 ? edges[0] : 0;
  const range = E > 0 ? edges[E - 1] - lo : 0;
  if (E < 8 || !(range > 0 && range < Infinity)) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      out[at + i * stride] = v !== v ? missing : binOf(edges, v);
    }
    return;
  }
  const scale = LOOKUP / range;
  const start = new Uint8Array(LOOKUP + 1);
  for (let k = 0; k <= LOOKUP; k++) start[k] = binOf(edges, lo + k / scale);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) {
      out[at + i * stride] = missing;
      continue;
    }
    const x = (v - lo) * scale;
    let b = x <= 0 ? 0 : x >= LOOKUP ? E : start[x | 0];
    while (b > 0 && v <= edges[b - 1]) b--;
    while (b < E && v > edges[b]) b++;
    out[at + i * stride] = b;
  }
}
