import type { Task } from '../core/schema.ts';
import { scoreOf } from './score.ts';

export interface EnsembleChoice {
  /** candidate id -> weight (summing to 1) */
  weights: Map<number, number>;
  /** pooled out-of-fold score of the ensemble */
  score: number;
  /** pooled out-of-fold score of the best single candidate */
  bestSingle: number;
  bestSingleId: number;
  /** candidates left out of some round because adding them would have passed the cost limit */
  limited: boolean;
}

/** What each candidate would cost as a member (seconds), and the most the members together may cost. */
export interface EnsembleCost {
  of: (id: number) => number;
  limit: number;
}

/**
 * Greedy ensemble selection with replacement (Caruana et al. 2004) over out-of-fold predictions: start from nothing, and
 * `rounds` times add the candidate whose addition makes the averaged predictions score best. Higher scores are better
 * (`sign` flips metrics where lower is better). The same folds produced every candidate's predictions, so they compare.
 * With a `cost`, a round considers only candidates that keep the distinct members' total within the limit (a member
 * picked again costs nothing more), so the choice is the best ensemble the budget can refit, not one it must drop.
 */
export function greedyEnsemble(oof: Map<number, Float64Array>, y: Float64Array, task: Task, metric: string, nClasses: number, sign: number, cost?: EnsembleCost, rounds = 25): EnsembleChoice {
  const ids = [...oof.keys()].sort((a, b) => a - b);
  const width = oof.get(ids[0])!.length;
  const score = (out: Float64Array) => sign * scoreOf(task, metric, y, out, nClasses);
  let bestSingle = -Infinity;
  let bestSingleId = ids[0];
  for (const id of ids) {
    const s = score(oof.get(id)!);
    if (s > bestSingle) [bestSingle, bestSingleId] = [s, id];
  }
  const sum = new Float64Array(width);
  const counts = new Map<number, number>();
  let best = { score: -Infinity, counts: new Map<number, number>() };
  const trial = new Float64Array(width);
  let spent = 0;
  let limited = false;
  for (let r = 1; r <= rounds; r++) {
    let pick = -1;
    let pickScore = -Infinity;
    for (const id of ids) {
      if (cost && !counts.has(id) && spent + cost.of(id) > cost.limit) {
        limited = true;
        continue;
      }
      const o = oof.get(id)!;
      for (let i = 0; i < width; i++) trial[i] = (sum[i] + o[i]) / r;
      const s = score(trial);
      if (s > pickScore) [pick, pickScore] = [id, s];
    }
    if (pick < 0) break;
    const o = oof.get(pick)!;
    for (let i = 0; i < width; i++) sum[i] += o[i];
    if (cost && !counts.has(pick)) spent += cost.of(pick);
    counts.set(pick, (counts.get(pick) ?? 0) + 1);
    if (pickScore > best.score) best = { score: pickScore, counts: new Map(counts) };
  }
  const total = [...best.counts.values()].reduce((a, b) => a + b, 0);
  return { weights: new Map([...best.counts].map(([id, c]) => [id, c / total])), score: sign * best.score, bestSingle: sign * bestSingle, bestSingleId, limited };
}
