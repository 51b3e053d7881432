import type { Task } from '../../core/schema.ts';
import { accuracy, confusionMatrix, logLoss, rocAuc } from './classification.ts';
import { r2, rmse } from './regression.ts';

export { accuracy, confusionMatrix, logLoss, rocAuc, r2, rmse };

/** The headline metric per task (DESIGN.md): binary roc_auc, multiclass accuracy, regression r2. Higher is better for all three. */
export function primaryMetric(task: Task): 'roc_auc' | 'accuracy' | 'r2' {
  return task === 'binary' ? 'roc_auc' : task === 'multiclass' ? 'accuracy' : 'r2';
}

export interface Evaluation {
  metric: string;
  score: number;
  metrics: Record<string, number>;
  confusion?: number[][];
}

/** Every metric the task reports, from true targets and predictions (`proba` row-major rows x classes, or values). */
export function evaluate(task: Task, y: Float64Array, output: Float64Array, nClasses: number): Evaluation {
  if (task === 'regression') {
    const m = { r2: r2(y, output), rmse: rmse(y, output) };
    return { metric: 'r2', score: m.r2, metrics: m };
  }
  const n = y.length;
  const predicted = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < nClasses; c++) if (output[i * nClasses + c] > output[i * nClasses + best]) best = c;
    predicted[i] = best;
  }
  const metrics: Record<string, number> = { accuracy: accuracy(y, predicted), log_loss: logLoss(y, output, nClasses) };
  if (task === 'binary') {
    const p1 = new Float64Array(n);
    for (let i = 0; i < n; i++) p1[i] = output[i * 2 + 1];
    metrics.roc_auc = rocAuc(y, p1);
  }
  const metric = primaryMetric(task);
  return { metric, score: metrics[metric], metrics, confusion: confusionMatrix(y, predicted, nClasses) };
}
