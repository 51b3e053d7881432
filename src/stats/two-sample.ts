import { chiSquaredSf, kolmogorovSf } from './distributions.ts';

/*
 * Two-sample statistics for drift, on sorted samples (numeric) or counts (categorical and binned). Definitions follow
 * scipy.stats (ks_2samp, wasserstein_distance, chi2_contingency without Yates' correction, spatial.distance.jensenshannon with
 * natural logarithms), so results can be checked against it.
 */

/** Sum that keeps the low-order bits (Neumaier): sums over millions of terms stay within 1e-15 relative. */
class Sum {
  private s = 0;
  private c = 0;
  add(x: number): void {
    const t = this.s + x;
    this.c += Math.abs(this.s) >= Math.abs(x) ? this.s - t + x : x - t + this.s;
    this.s = t;
  }
  get value(): number {
    return this.s + this.c;
  }
}

/** Kolmogorov-Smirnov: the largest gap between the two empirical CDFs; p-value from Kolmogorov's limit (Stephens' correction). */
export function ksTwoSample(a: Float64Array, b: Float64Array): { statistic: number; pValue: number } {
  const n = a.length;
  const m = b.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const x = a[i] <= b[j] ? a[i] : b[j];
    while (i < n && a[i] <= x) i++;
    while (j < m && b[j] <= x) j++;
    const gap = Math.abs(i / n - j / m);
    if (gap > d) d = gap;
  }
  return { statistic: d, pValue: ksPValue(d, n, m) };
}

/** The two-sided p-value of a KS statistic `d` between samples of n and m values. */
export function ksPValue(d: number, n: number, m: number): number {
  const en = Math.sqrt((n * m) / (n + m));
  return kolmogorovSf((en + 0.12 + 0.11 / en) * d);
}

/** KS on counts over the same ordered bins (a lower bound of the statistic on the values themselves). */
export function ksBinned(expected: ArrayLike<number>, actual: ArrayLike<number>, nExpected: number, nActual: number): { statistic: number; pValue: number } {
  const se = total(expected);
  const sa = total(actual);
  let ce = 0;
  let ca = 0;
  let d = 0;
  for (let k = 0; k < expected.length; k++) {
    ce += expected[k];
    ca += actual[k];
    d = Math.max(d, Math.abs(ce / se - ca / sa));
  }
  return { statistic: d, pValue: ksPValue(d, nExpected, nActual) };
}

/** First Wasserstein distance between two samples: the area between their empirical CDFs. */
export function wasserstein(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  const m = b.length;
  let i = 0;
  let j = 0;
  const sum = new Sum();
  let prev = a[0] <= b[0] ? a[0] : b[0];
  while (i < n || j < m) {
    const x = j >= m || (i < n && a[i] <= b[j]) ? a[i] : b[j];
    if (x !== prev) sum.add(Math.abs(i / n - j / m) * (x - prev));
    prev = x;
    while (i < n && a[i] <= x) i++;
    while (j < m && b[j] <= x) j++;
  }
  return sum.value;
}

/** Population standard deviation (ddof 0) of a sample. */
export function stdDev(a: Float64Array): number {
  if (a.length === 0) return 0;
  const s = new Sum();
  for (let i = 0; i < a.length; i++) s.add(a[i]);
  const mean = s.value / a.length;
  const q = new Sum();
  for (let i = 0; i < a.length; i++) q.add((a[i] - mean) ** 2);
  return Math.sqrt(q.value / a.length);
}

/** Chi-squared test of homogeneity on a 2 x k table of counts (categories seen in neither sample are left out). */
export function chiSquaredTwoSample(expected: ArrayLike<number>, actual: ArrayLike<number>): { statistic: number; pValue: number; dof: number } {
  const se = total(expected);
  const sa = total(actual);
  const n = se + sa;
  const stat = new Sum();
  let cells = 0;
  for (let k = 0; k < expected.length; k++) {
    const col = expected[k] + actual[k];
    if (col === 0) continue;
    cells++;
    const ee = (se * col) / n;
    const ea = (sa * col) / n;
    stat.add((expected[k] - ee) ** 2 / ee + (actual[k] - ea) ** 2 / ea);
  }
  const dof = cells - 1;
  return { statistic: stat.value, pValue: dof > 0 ? chiSquaredSf(stat.value, dof) : 1, dof };
}

/** Jensen-Shannon distance (natural logarithm; between 0 and sqrt(ln 2)) of two count or share vectors. */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const sp = total(p);
  const sq = total(q);
  const sum = new Sum();
  for (let k = 0; k < p.length; k++) {
    const pk = p[k] / sp;
    const qk = q[k] / sq;
    const mk = (pk + qk) / 2;
    if (pk > 0) sum.add(pk * Math.log(pk / mk));
    if (qk > 0) sum.add(qk * Math.log(qk / mk));
  }
  return Math.sqrt(Math.max(0, sum.value / 2));
}

function total(x: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < x.length; k++) s += x[k];
  return s;
}
