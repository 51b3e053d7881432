import { invalid } from '../../core/errors.ts';
import { Rng } from '../../core/random.ts';

export interface KMeansResult {
  /** k x p, row-major */
  centers: Float64Array;
  labels: Int32Array;
  inertia: number;
  iterations: number;
}

function dist2(A: Float64Array, i: number, C: Float64Array, c: number, p: number): number {
  let d = 0;
  for (let j = 0; j < p; j++) {
    const t = A[i * p + j] - C[c * p + j];
    d += t * t;
  }
  return d;
}

/** k-means++ seeding: each next centre drawn with probability proportional to its squared distance from the chosen ones. */
function seedPlusPlus(A: Float64Array, n: number, p: number, k: number, rng: Rng): Float64Array {
  const C = new Float64Array(k * p);
  const first = rng.int(n);
  C.set(A.subarray(first * p, first * p + p), 0);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = dist2(A, i, C, 0, p);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) total += d[i];
    let pick = n - 1;
    if (total > 0) {
      let u = rng.next() * total;
      for (let i = 0; i < n; i++) {
        u -= d[i];
        if (u <= 0) {
          pick = i;
          break;
        }
      }
    } else pick = rng.int(n);
    C.set(A.subarray(pick * p, pick * p + p), c * p);
    for (let i = 0; i < n; i++) d[i] = Math.min(d[i], dist2(A, i, C, c, p));
  }
  return C;
}

/**
 * Lloyd's k-means with k-means++ seeding, best of `nInit` seeded starts by inertia. `A` is row-major n x p (standardised).
 *
 * @example
 * const { labels } = kMeans(A, rows, cols, 3, { seed: 0 });
 */
export function kMeans(A: Float64Array, n: number, p: number, k: number, opts: { seed: number; nInit?: number; maxIter?: number }): KMeansResult {
  if (!Number.isInteger(k) || k < 1) throw invalid(`parameter n_clusters must be an integer >= 1, got ${k}`);
  if (n < k) throw invalid(`n_clusters=${k} needs at least ${k} rows, got ${n}`);
  const rng = new Rng(opts.seed);
  let best: KMeansResult | null = null;
  for (let init = 0; init < (opts.nInit ?? 4); init++) {
    const C = seedPlusPlus(A, n, p, k, rng);
    const labels = new Int32Array(n).fill(-1);
    let inertia = 0;
    let it = 0;
    for (; it < (opts.maxIter ?? 300); it++) {
      let changed = 0;
      inertia = 0;
      for (let i = 0; i < n; i++) {
        let bc = 0;
        let bd = Infinity;
        for (let c = 0; c < k; c++) {
          const d = dist2(A, i, C, c, p);
          if (d < bd) {
            bd = d;
            bc = c;
          }
        }
        if (labels[i] !== bc) changed++;
        labels[i] = bc;
        inertia += bd;
      }
      if (changed === 0) break;
      const sums = new Float64Array(k * p);
      const counts = new Float64Array(k);
      for (let i = 0; i < n; i++) {
        counts[labels[i]]++;
        for (let j = 0; j < p; j++) sums[labels[i] * p + j] += A[i * p + j];
      }
      for (let c = 0; c < k; c++) {
        // an emptied cluster restarts at the point farthest from its centre
        if (counts[c] === 0) {
          let far = 0;
          let fd = -1;
          for (let i = 0; i < n; i++) {
            const d = dist2(A, i, C, labels[i], p);
            if (d > fd) {
              fd = d;
              far = i;
            }
          }
          C.set(A.subarray(far * p, far * p + p), c * p);
          continue;
        }
        for (let j = 0; j < p; j++) C[c * p + j] = sums[c * p + j] / counts[c];
      }
    }
    if (!best || inertia < best.inertia) best = { centers: C, labels, inertia, iterations: it };
  }
  return best!;
}

/**
 * Mean silhouette coefficient (scikit-learn's silhouette_score, Euclidean): (b - a) / max(a, b) per row, 0 for singletons.
 * Exact O(n^2); pass a sample for large tables.
 */
export function silhouette(A: Float64Array, n: number, p: number, labels: Int32Array): number {
  const k = Math.max(...labels) + 1;
  if (k < 2) return NaN;
  const size = new Float64Array(k);
  for (let i = 0; i < n; i++) size[labels[i]]++;
  const sums = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      let d = 0;
      for (let q = 0; q < p; q++) {
        const t = A[i * p + q] - A[j * p + q];
        d += t * t;
      }
      sums[labels[j]] += Math.sqrt(d);
    }
    const own = labels[i];
    if (size[own] <= 1) continue;
    const a = sums[own] / (size[own] - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && size[c] > 0) b = Math.min(b, sums[c] / size[c]);
    total += (b - a) / Math.max(a, b);
  }
  return total / n;
}
