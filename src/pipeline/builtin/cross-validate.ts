import type { FeatureSpec } from '../../core/schema.ts';
import { takeRows } from '../../core/table.ts';
import { kFold, type PreparedTarget } from '../../data/index.ts';
import { evaluate, predictionOutput, predictTable, takeValues, trainModel, type TrainSpec } from '../../learn/index.ts';

export interface CvResult {
  mean: number;
  std: number;
  folds: number[];
  fitSeconds: number;
}

/**
 * K-fold cross-validation (stratified for classes, seeded): fit preprocessing + learner on K-1 folds, score the held-out fold
 * with the task's headline metric. Mean and population std of the fold scores, as scikit-learn's cross_val_score reports.
 */
export async function crossValidate(t: PreparedTarget, features: FeatureSpec[], spec: TrainSpec, folds: number, onFold?: (k: number, score: number) => void): Promise<CvResult> {
  const fold = kFold(t.features.rows, folds, spec.seed, t.spec.task === 'regression' ? undefined : t.y);
  const scores: number[] = [];
  let fitSeconds = 0;
  for (let k = 0; k < folds; k++) {
    const trainRows: number[] = [];
    const testRows: number[] = [];
    for (let r = 0; r < fold.length; r++) (fold[r] === k ? testRows : trainRows).push(r);
    const t0 = performance.now();
    const model = await trainModel(takeRows(t.features, trainRows), takeValues(t.y, trainRows), t.spec, features, spec);
    fitSeconds += (performance.now() - t0) / 1000;
    const p = predictTable(model, takeRows(t.features, testRows));
    const score = evaluate(t.spec.task, takeValues(t.y, testRows), predictionOutput(p), t.spec.classes?.length ?? 1).score;
    scores.push(score);
    onFold?.(k, score);
  }
  const mean = scores.reduce((a, b) => a + b, 0) / folds;
  const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / folds);
  return { mean, std, folds: scores, fitSeconds };
}
