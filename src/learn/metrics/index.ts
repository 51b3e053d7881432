import type { Task } from '../../core/schema.ts';
import { accuracy, balancedAccuracy, confusionMatrix, logLoss, perClass, prAuc, rocAuc } from './classification.ts';
import { mae, r2, rmse } from './regression.ts';

export { accuracy, balancedAccuracy, confusionMatrix, logLoss, perClass, prAuc, rocAuc, mae, r2, rmse };

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
    const m = { r2: r2(y, output), rmse: rmse(y, output), mae: mae(y, output) };
    return { metric: 'r2', score: m.r2, metrics: m };
  }
  const n = y.length;
  const predicted = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < nClasses; c++) if (output[i * nClasses + c] > output[i * nClasses + best]) best = c;
    predicted[i] = best;
  }
  const metrics: Record<string, number> = {
    accuracy: accuracy(y, predicted),
    balanced_accuracy: balancedAccuracy(y, predicted, nClasses),
    log_loss: logLoss(y, output, nClasses),
  };
  const pc = perClass(y, predicted, nClasses);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  if (task === 'binary') {
    const p1 = new Float64Array(n);
    for (let i = 0; i < n; i++) p1[i] = output[i * 2 + 1];
    metrics.roc_auc = rocAuc(y, p1);
    metrics.pr_auc = prAuc(y, p1);
    metrics.precision = pc.precision[1];
    metrics.recall = pc.recall[1];
    metrics.f1 = pc.f1[1];
  } else {
    metrics.precision_macro = mean(pc.precision);
    metrics.recall_macro = mean(pc.recall);
    metrics.f1_macro = mean(pc.f1);
  }
  const metric = primaryMetric(task);
  return { metric, score: metrics[metric], metrics, confusion: confusionMatrix(y, predicted, nClasses) };
}
