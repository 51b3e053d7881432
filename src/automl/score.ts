import type { Task } from '../core/schema.ts';
import { accuracy, balancedAccuracy, logLoss, mae, perClass, prAuc, r2, rmse, rocAuc } from '../learn/metrics/index.ts';

/** Metrics AutoML can optimise, and whether higher is better. */
export const METRICS: Record<string, { tasks: Task[]; higher: boolean }> = {
  roc_auc: { tasks: ['binary'], higher: true },
  pr_auc: { tasks: ['binary'], higher: true },
  f1: { tasks: ['binary'], higher: true },
  accuracy: { tasks: ['binary', 'multiclass'], higher: true },
  balanced_accuracy: { tasks: ['binary', 'multiclass'], higher: true },
  f1_macro: { tasks: ['multiclass'], higher: true },
  log_loss: { tasks: ['binary', 'multiclass'], higher: false },
  r2: { tasks: ['regression'], higher: true },
  rmse: { tasks: ['regression'], higher: false },
  mae: { tasks: ['regression'], higher: false },
};

/** One metric of predictions (probabilities rows x classes, or values), computing only what it needs. */
export function scoreOf(task: Task, metric: string, y: Float64Array, out: Float64Array, nClasses: number): number {
  if (task === 'regression') return metric === 'rmse' ? rmse(y, out) : metric === 'mae' ? mae(y, out) : r2(y, out);
  const n = y.length;
  if (task === 'binary' && (metric === 'roc_auc' || metric === 'pr_auc')) {
    const p1 = new Float64Array(n);
    for (let i = 0; i < n; i++) p1[i] = out[i * 2 + 1];
    return metric === 'roc_auc' ? rocAuc(y, p1) : prAuc(y, p1);
  }
  if (metric === 'log_loss') return logLoss(y, out, nClasses);
  const predicted = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < nClasses; c++) if (out[i * nClasses + c] > out[i * nClasses + best]) best = c;
    predicted[i] = best;
  }
  if (metric === 'accuracy') return accuracy(y, predicted);
  if (metric === 'balanced_accuracy') return balancedAccuracy(y, predicted, nClasses);
  const pc = perClass(y, predicted, nClasses);
  return metric === 'f1' ? pc.f1[1] : pc.f1.reduce((a, b) => a + b, 0) / nClasses;
}

/** A score for reports: four decimals, or NaN / Infinity as words. */
export function formatScore(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : String(v);
}
