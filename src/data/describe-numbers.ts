import { QUANTILE_BUCKETS, quantileScale, quantilesFromBuckets } from '../core/quantiles.ts';

/** The statistics of one numeric column that a profile reports (missing values, NaN, left out of all of them). */
export interface NumberStats {
  count: number;
  distinct: number;
  mean: number;
  /** sample standard deviation (n - 1), as pandas; NaN under two values */
  std: number;
  min: number;
  max: number;
  /** every value a whole number */
  integral: boolean;
  quantiles: number[];
  histogram: { edges: number[]; counts: number[] };
}

export const HISTOGRAM_BINS = 10;

/**
 * Equal-width bin edges between min and max (a constant column gets bins of width 1 from its value, the last edge its
 * value). Shared with the SQL that counts new data into a profile's bins.
 */
export function edgesOf(min: number, max: number): number[] {
  const width = (max - min) / HISTOGRAM_BINS || 1;
  return Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => (i === HISTOGRAM_BINS ? max : min + i * width));
}

/** A value's bin: how many inner edges it reaches (the rule of the SQL `bucketExpr`, so SQL and JavaScript agree). */
export function histogramBin(x: number, edges: number[]): number {
  let b = 0;
  for (let i = 1; i < edges.length - 1; i++) if (x >= edges[i]) b++;
  return b;
}

/** Up to this many values the distinct count is exact; above, a HyperLogLog estimate (~1% error; TFDV reports one too). */
export const EXACT_DISTINCT_UP_TO = 200_000;
const HLL_BITS = 14;
const HLL_REGISTERS = 1 << HLL_BITS;

/** The HyperLogLog estimate from its registers (with the small-range correction). */
function hllEstimate(registers: Uint8Array): number {
  const m = HLL_REGISTERS;
  let sum = 0;
  let zeros = 0;
  for (let j = 0; j < m; j++) {
    sum += 2 ** -registers[j];
    if (registers[j] === 0) zeros++;
  }
  const e = ((0.7213 / (1 + 1.079 / m)) * m * m) / sum;
  return Math.round(e <= 2.5 * m && zeros > 0 ? m * Math.log(m / zeros) : e);
}

/**
 * Count, moments (two passes, so the variance does not cancel), range, integrality, distinct count (exact up to
 * `EXACT_DISTINCT_UP_TO` values), quantiles and histogram of the non-NaN values of one column, given whole or in chunks (as
 * a query result arrives, or read back from a file), in three passes over them: an iterable of chunks is iterated three
 * times, and no chunk is kept past its turn.
 */
export function describeNumbers(column: Float64Array | Iterable<Float64Array>, qs: readonly number[]): NumberStats {
  const chunks: Iterable<Float64Array> = column instanceof Float64Array ? [column] : column;
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let integral = true;
  for (const values of chunks)
    for (let i = 0; i < values.length; i++) {
      const x = values[i];
      if (x !== x) continue;
      count++;
      sum += x;
      if (x < min) min = x;
      if (x > max) max = x;
      if (integral && x !== Math.floor(x)) integral = false;
    }
  if (count === 0) {
    return { count, distinct: 0, mean: NaN, std: NaN, min: NaN, max: NaN, integral: false, quantiles: qs.map(() => NaN), histogram: { edges: [], counts: [] } };
  }
  const mean = sum / count;
  // second pass: squared deviations, quantile buckets and the distinct count together
  const edges = edgesOf(min, max);
  const buckets = new Int32Array(QUANTILE_BUCKETS);
  const scale = quantileScale(min, max);
  // the histogram is the buckets summed per bin, except that values in the buckets on either side of a bin edge are
  // binned exactly by the edge rule (floating point may put one on the other side of an edge); a range too narrow for its
  // magnitude has every value binned exactly
  const perBin = QUANTILE_BUCKETS / HISTOGRAM_BINS;
  const exactAll = !(max - min > Math.abs(min) * 1e-9 && max - min < Infinity);
  const nearEdge = new Uint8Array(QUANTILE_BUCKETS);
  if (exactAll) nearEdge.fill(1);
  else
    for (let i = 1; i < HISTOGRAM_BINS; i++) {
      nearEdge[i * perBin - 1] = 1;
      nearEdge[i * perBin] = 1;
    }
  const hist = new Array<number>(HISTOGRAM_BINS).fill(0);
  const exact = count <= EXACT_DISTINCT_UP_TO;
  const size = exact ? 2 ** Math.ceil(Math.log2(2 * count + 2)) : 0;
  const mask = size - 1;
  const keys = new Float64Array(size);
  const used = new Uint8Array(size);
  const registers = new Uint8Array(exact ? 0 : HLL_REGISTERS);
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  let distinct = 0;
  let squares = 0;
  for (const values of chunks)
    for (let i = 0; i < values.length; i++) {
      const x = values[i];
      if (x !== x) continue;
      const d = x - mean;
      squares += d * d;
      // the quantile bucket (see quantileScale) and the hash (murmur3 finaliser over both words) written out: this loop is most
      // of a profile's time, and runs before the engine would inline calls
      const q = ((x - min) * scale) | 0;
      const k = q < QUANTILE_BUCKETS ? q : QUANTILE_BUCKETS - 1;
      buckets[k]++;
      if (nearEdge[k] === 1) hist[histogramBin(x, edges)]++;
      bits[0] = x + 0; // -0 + 0 is +0
      let h = words[1];
      h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
      h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
      h = (h ^ (h >>> 16)) ^ words[0];
      h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
      h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
      h = (h ^ (h >>> 16)) >>> 0;
      if (exact) {
        let slot = h & mask;
        while (used[slot] === 1 && keys[slot] !== bits[0]) slot = (slot + 1) & mask;
        if (used[slot] === 0) {
          used[slot] = 1;
          keys[slot] = bits[0];
          distinct++;
        }
      } else {
        const j = h >>> (32 - HLL_BITS);
        const rank = Math.clz32((h << HLL_BITS) | (1 << (HLL_BITS - 1))) + 1;
        if (rank > registers[j]) registers[j] = rank;
      }
    }
  for (let k = 0; k < QUANTILE_BUCKETS; k++) if (nearEdge[k] === 0) hist[Math.floor(k / perBin)] += buckets[k];
  return {
    count,
    distinct: exact ? distinct : hllEstimate(registers),
    mean,
    std: count > 1 ? Math.sqrt(squares / (count - 1)) : NaN,
    min,
    max,
    integral,
    quantiles: quantilesFromBuckets(chunks, count, min, max, buckets, qs),
    histogram: { edges, counts: hist },
  };
}
