import type { FeatureSpec } from '../../core/schema.ts';
import { invalid } from '../../core/errors.ts';
import { cellValue, columnByName, takeRows } from '../../core/table.ts';
import { groupKFold, kFold, timeSeriesSplits, type PreparedTarget } from '../../data/index.ts';
import { evaluate, predictionOutput, predictTable, takeValues, trainModel, type TrainSpec } from '../../learn/index.ts';

export interface CvResult {
  mean: number;
  std: number;
  folds: number[];
  fitSeconds: number;
}

/** How rows are dealt into folds: stratified K-fold (random for regression), whole groups, or expanding windows in time. */
export type CvScheme = { kind: 'kfold' } | { kind: 'group'; column: string } | { kind: 'time'; column: string };

function columnValues(t: PreparedTarget, name: string): (number | string)[] {
  const col = columnByName(t.features, name);
  if (!col) throw invalid(`cross-validation column "${name}" is not among the features`);
  return Array.from({ length: t.features.rows }, (_, r) => cellValue(col, r) ?? '');
}

/** Train/test row lists of every fold. */
export function cvFolds(t: PreparedTarget, folds: number, seed: number, scheme: CvScheme): { train: number[]; test: number[] }[] {
  const n = t.features.rows;
  if (scheme.kind === 'time') {
    const v = columnValues(t, scheme.column).map((x) => (typeof x === 'number' ? x : Date.parse(x)));
    if (v.some((x) => Number.isNaN(x))) throw invalid(`time column "${scheme.column}" must hold numbers or dates in every row`);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a] - v[b] || a - b);
    return timeSeriesSplits(n, folds).map((s) => ({ train: Array.from(s.train, (i) => order[i]), test: Array.from(s.test, (i) => order[i]) }));
  }
  const fold = scheme.kind === 'group' ? groupKFold(columnValues(t, scheme.column), folds) : kFold(n, folds, seed, t.spec.task === 'regression' ? undefined : t.y);
  return Array.from({ length: folds }, (_, k) => {
    const train: number[] = [];
    const test: number[] = [];
    for (let r = 0; r < n; r++) (fold[r] === k ? test : train).push(r);
    return { train, test };
  });
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
