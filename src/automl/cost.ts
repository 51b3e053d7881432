import type { Params } from './space.ts';

/*
 * Seconds one fold is expected to take (the fit and the prediction of the fold's test rows), so the search can decide what
 * still fits in the budget. A prior per learner, scaled by a correction learned from every fold this search has timed (a
 * running mean of observed / predicted). The priors were fitted to one fold of each shared data set at default parameters
 * (2-core Xeon, 2026-12-06; within about 3x of every one, except forests on shuttle's easy splits, 10x faster): a prior
 * that is too high keeps a learner out of the search altogether (the GBDT's 2026-11-27 prior, 20x too high by now, kept it
 * out of letters), one too low costs one fold's overrun before the correction learns it.
 */

export interface Shape {
  rows: number;
  features: number;
  classes: number;
  testRows: number;
}

function prior(learner: string, p: Params, s: Shape): number {
  const n = s.rows;
  const d = s.features;
  const k = s.classes > 2 ? s.classes : 1;
  const num = (key: string, fallback: number) => (typeof p[key] === 'number' ? (p[key] as number) : fallback);
  switch (learner) {
    case 'gbdt': {
      const trees = num('early_stopping', 0) === 1 ? Math.min(num('n_estimators', 100), 150) : num('n_estimators', 100);
      return 0.05 + 3e-9 * n * d * trees * k;
    }
    case 'forest': {
      const mf = num('max_features', 0) || (s.classes > 0 ? Math.sqrt(d) / d : 1);
      return 2.4e-8 * n * Math.log2(Math.max(2, n)) * Math.max(1, mf * d) * num('n_estimators', 100) * (s.classes > 0 ? 1 : 1.5);
    }
    case 'linear':
      return 9e-7 * n * d * k;
    case 'knn':
      return 1e-6 * n * d + 2e-9 * n * s.testRows * d;
    default:
      return 7e-7 * n * d;
  }
}

export class CostModel {
  private readonly correction = new Map<string, { sum: number; count: number }>();

  predict(learner: string, p: Params, s: Shape): number {
    const c = this.correction.get(learner);
    return prior(learner, p, s) * (c ? c.sum / c.count : 1) + 0.02;
  }

  observe(learner: string, p: Params, s: Shape, seconds: number): void {
    const ratio = Math.min(50, Math.max(0.02, seconds / Math.max(1e-3, prior(learner, p, s))));
    const c = this.correction.get(learner) ?? { sum: 0, count: 0 };
    c.sum += ratio;
    c.count++;
    this.correction.set(learner, c);
  }
}
