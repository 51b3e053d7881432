import type { Rng } from '../core/random.ts';
import { fromUnit, sampleDist, toUnit, type Dist, type Params } from './space.ts';

/*
 * Tree-structured Parzen estimator (Bergstra et al. 2011), one parameter at a time as hyperopt does: split the scored
 * candidates into the best fraction `gamma` and the rest, model each side with Parzen windows (Gaussian kernels in the unit
 * (log-)range for numbers, smoothed counts for choices), draw candidates from the good side and keep the one that maximises
 * good density / bad density. Deterministic for a given Rng.
 */

export interface Scored {
  params: Params;
  score: number;
}

function gauss(u: number, centers: number[], bw: number): number {
  // a uniform prior component keeps every region reachable
  let s = 1;
  for (const c of centers) s += Math.exp(-0.5 * ((u - c) / bw) ** 2) / (bw * Math.sqrt(2 * Math.PI));
  return s / (centers.length + 1);
}

function suggestOne(d: Dist, good: (number | string)[], bad: (number | string)[], rng: Rng, draws: number): number | string {
  if (d.kind === 'choice') {
    const weight = (vals: (number | string)[], v: number | string) => (vals.filter((x) => x === v).length + 1) / (vals.length + d.values.length);
    let best = d.values[0];
    let bestRatio = -Infinity;
    for (let i = 0; i < draws; i++) {
      // sample from the good side's smoothed frequencies
      const r = rng.next() * (good.length + d.values.length);
      const v = r < good.length ? good[Math.floor(r)] : d.values[Math.floor(r - good.length)];
      const ratio = weight(good, v) / weight(bad, v);
      if (ratio > bestRatio) [best, bestRatio] = [v, ratio];
    }
    return best;
  }
  const g = good.map((v) => toUnit(d, v as number));
  const b = bad.map((v) => toUnit(d, v as number));
  const bwG = Math.max(0.05, 0.5 * g.length ** -0.2 * 0.5);
  const bwB = Math.max(0.05, 0.5 * b.length ** -0.2 * 0.5);
  let best = g[0] ?? 0.5;
  let bestRatio = -Infinity;
  for (let i = 0; i < draws; i++) {
    const c = g.length > 0 && rng.next() < g.length / (g.length + 1) ? g[rng.int(g.length)] : rng.next();
    const u = Math.min(1, Math.max(0, c + bwG * normal(rng)));
    const ratio = gauss(u, g, bwG) / gauss(u, b, bwB);
    if (ratio > bestRatio) [best, bestRatio] = [u, ratio];
  }
  return fromUnit(d, best);
}

function normal(rng: Rng): number {
  const u = Math.max(1e-12, rng.next());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** The next parameters for `space`: from the prior until `startup` candidates are scored, then TPE. Higher scores are better. */
export function suggest(space: Record<string, Dist>, history: Scored[], rng: Rng, opts: { startup?: number; gamma?: number; draws?: number } = {}): Params {
  const startup = opts.startup ?? 5;
  const out: Params = {};
  if (history.length < startup) {
    for (const [k, d] of Object.entries(space)) out[k] = sampleDist(d, rng);
    return out;
  }
  const sorted = [...history].sort((a, b) => b.score - a.score);
  const nGood = Math.max(1, Math.ceil((opts.gamma ?? 0.25) * sorted.length));
  const good = sorted.slice(0, nGood);
  const bad = sorted.slice(nGood);
  for (const [k, d] of Object.entries(space)) out[k] = suggestOne(d, good.map((h) => h.params[k]), bad.map((h) => h.params[k]), rng, opts.draws ?? 24);
  return out;
}
