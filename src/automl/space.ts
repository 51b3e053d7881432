import type { Task } from '../core/schema.ts';
import type { Rng } from '../core/random.ts';

/** A hyperparameter's prior: integers and floats (optionally on a log scale) or a choice among values. */
export type Dist = ({ kind: 'int' | 'float'; low: number; high: number; log?: boolean } | { kind: 'choice'; values: (number | string)[] }) & {
  /** searched only for these tasks (and, for a log target transform, only for targets above -1) */
  tasks?: Task[];
};
export type Params = Record<string, number | string>;

/**
 * A blueprint: a learner with its default preprocessing (trees: native categoricals; linear / k-NN: imputation, one-hot or
 * target encoding, scaling) and the space its parameters are searched in. `fixed` parameters hold for every candidate.
 */
export interface Blueprint {
  learner: string;
  tasks: Task[];
  space: Record<string, Dist>;
  fixed: Params;
  /** skip above this many training rows (quadratic learners) */
  maxRows?: number;
}

export const BLUEPRINTS: Blueprint[] = [
  {
    learner: 'gbdt',
    tasks: ['binary', 'multiclass', 'regression'],
    fixed: { n_estimators: 400, early_stopping: 1, n_iter_no_change: 15 },
    space: {
      learning_rate: { kind: 'float', low: 0.02, high: 0.3, log: true },
      max_leaf_nodes: { kind: 'int', low: 4, high: 96, log: true },
      min_samples_leaf: { kind: 'int', low: 2, high: 80, log: true },
      l2_regularization: { kind: 'float', low: 1e-3, high: 10, log: true },
      subsample: { kind: 'float', low: 0.6, high: 1 },
      max_features: { kind: 'float', low: 0.4, high: 1 },
      // skewed positive targets (prices, counts) are often fitted better on a log scale
      target_transform: { kind: 'choice', values: ['none', 'log'], tasks: ['regression'] },
    },
  },
  {
    learner: 'forest',
    tasks: ['binary', 'multiclass', 'regression'],
    fixed: { n_estimators: 120 },
    space: {
      max_features: { kind: 'float', low: 0.1, high: 0.8 },
      min_samples_leaf: { kind: 'int', low: 1, high: 16, log: true },
      extra_trees: { kind: 'choice', values: [0, 1] },
    },
  },
  {
    learner: 'linear',
    tasks: ['binary', 'multiclass', 'regression'],
    fixed: {},
    space: {
      C: { kind: 'float', low: 1e-3, high: 100, log: true },
      alpha: { kind: 'float', low: 1e-4, high: 100, log: true },
      categorical: { kind: 'choice', values: ['onehot', 'target'] },
      scaler: { kind: 'choice', values: ['standard', 'robust'] },
    },
  },
  {
    learner: 'knn',
    tasks: ['binary', 'multiclass', 'regression'],
    fixed: {},
    maxRows: 30_000,
    space: {
      n_neighbors: { kind: 'int', low: 3, high: 80, log: true },
      weights: { kind: 'choice', values: [0, 1] },
      scaler: { kind: 'choice', values: ['standard', 'robust'] },
    },
  },
  {
    learner: 'bayes',
    tasks: ['binary', 'multiclass'],
    fixed: {},
    space: { var_smoothing: { kind: 'float', low: 1e-12, high: 1e-2, log: true } },
  },
];

/** A value drawn from the prior. */
export function sampleDist(d: Dist, rng: Rng): number | string {
  if (d.kind === 'choice') return d.values[rng.int(d.values.length)];
  const u = rng.next();
  const x = d.log ? Math.exp(Math.log(d.low) + u * (Math.log(d.high) - Math.log(d.low))) : d.low + u * (d.high - d.low);
  return d.kind === 'int' ? Math.min(d.high, Math.max(d.low, Math.round(x))) : x;
}

/** Position of a numeric value in [0, 1] of its (log-)range, and back. */
export function toUnit(d: Extract<Dist, { kind: 'int' | 'float' }>, x: number): number {
  const u = d.log ? (Math.log(Math.max(x, d.low)) - Math.log(d.low)) / (Math.log(d.high) - Math.log(d.low)) : (x - d.low) / (d.high - d.low);
  return Number.isFinite(u) ? Math.min(1, Math.max(0, u)) : 0.5;
}

export function fromUnit(d: Extract<Dist, { kind: 'int' | 'float' }>, u: number): number {
  const c = Math.min(1, Math.max(0, u));
  const x = d.log ? Math.exp(Math.log(d.low) + c * (Math.log(d.high) - Math.log(d.low))) : d.low + c * (d.high - d.low);
  return d.kind === 'int' ? Math.min(d.high, Math.max(d.low, Math.round(x))) : x;
}

/** A blueprint's space for one problem: dimensions that do not apply to the task (or the target) left out. */
export function spaceFor(bp: Blueprint, task: Task, y: Float64Array): Record<string, Dist> {
  let min = Infinity;
  if (task === 'regression') for (let i = 0; i < y.length; i++) if (y[i] < min) min = y[i];
  return Object.fromEntries(Object.entries(bp.space).filter(([name, d]) => (!d.tasks || d.tasks.includes(task)) && (name !== 'target_transform' || min > -1)));
}
