import type { FeatureSpec } from '../../core/schema.ts';
import { takeRows } from '../../core/table.ts';
import { cvFolds, type CvScheme, type PreparedTarget } from '../../data/index.ts';
import { evaluate, predictionOutput, predictTable, takeValues, trainModel, type TrainSpec } from '../../learn/index.ts';

export type { CvScheme };

export interface CvResult {
  mean: number;
  std: number;
  folds: number[];
  fitSeconds: number;
}

/**
 * Cross-validation: fit preprocessing + learner on each fold's training rows, score its held-out rows with the task's
 * headline metric. Mean and population std of the fold scores, as scikit-learn's cross_val_score reports.
 */
export async function crossValidate(t: PreparedTarget, features: FeatureSpec[], spec: TrainSpec, folds: number, scheme: CvScheme = { kind: 'kfold' }): Promise<CvResult> {
  const scores: number[] = [];
  let fitSeconds = 0;
  const splits = cvFolds(t, folds, spec.seed, scheme);
  for (const { train: trainRows, test: testRows } of splits) {
    const t0 = performance.now();
    const model = await trainModel(takeRows(t.features, trainRows), takeValues(t.y, trainRows), t.spec, features, spec);
    fitSeconds += (performance.now() - t0) / 1000;
    const p = predictTable(model, takeRows(t.features, testRows));
    scores.push(evaluate(t.spec.task, takeValues(t.y, testRows), predictionOutput(p), t.spec.classes?.length ?? 1).score);
  }
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / scores.length);
  return { mean, std, folds: scores, fitSeconds };
}
