import { invalid } from '../core/errors.ts';
import type { FeatureSpec, TargetSpec } from '../core/schema.ts';
import type { Table } from '../core/table.ts';
import { predictRaw, type Forest } from './gbdt/forest.ts';
import { encodeTable, type TreeEncoder } from './preprocess/tree-encoder.ts';

/**
 * A trained tabular model: the signature it was trained on, the preprocessing fitted on the training rows, and the learner's
 * state. Training and serving both call `predictTable`, so there is one preprocessing implementation and no skew.
 */
export interface TabularModel {
  target: TargetSpec;
  features: FeatureSpec[];
  encoder: TreeEncoder;
  learner: { name: 'gbdt'; params: Record<string, number> };
  forest: Forest;
}

export interface Predictions {
  rows: number;
  /** class probabilities, row-major rows x classes (classification) */
  proba?: Float64Array;
  /** predicted class index (classification) */
  classIndex?: Int32Array;
  /** predicted value (regression) */
  values?: Float64Array;
}

/** Turn raw ensemble scores into probabilities / values. */
export function finishScores(model: Pick<TabularModel, 'target'>, raw: Float64Array, rows: number): Predictions {
  const task = model.target.task;
  if (task === 'regression') return { rows, values: raw };
  const K = model.target.classes!.length;
  const proba = new Float64Array(rows * K);
  const classIndex = new Int32Array(rows);
  if (task === 'binary') {
    for (let i = 0; i < rows; i++) {
      const p = 1 / (1 + Math.exp(-raw[i]));
      proba[2 * i] = 1 - p;
      proba[2 * i + 1] = p;
      classIndex[i] = p > 0.5 ? 1 : 0;
    }
    return { rows, proba, classIndex };
  }
  for (let i = 0; i < rows; i++) {
    const o = i * K;
    let max = -Infinity;
    let best = 0;
    for (let k = 0; k < K; k++) {
      if (raw[o + k] > max) {
        max = raw[o + k];
        best = k;
      }
    }
    let sum = 0;
    for (let k = 0; k < K; k++) sum += proba[o + k] = Math.exp(raw[o + k] - max);
    for (let k = 0; k < K; k++) proba[o + k] /= sum;
    classIndex[i] = best;
  }
  return { rows, proba, classIndex };
}

/** Predict every row of a table holding (at least) the model's feature columns. */
export function predictTable(model: TabularModel, table: Table): Predictions {
  if (table.rows === 0) throw invalid('no rows to predict');
  const X = encodeTable(model.encoder, table);
  return finishScores(model, predictRaw(model.forest, X), table.rows);
}

/** The probability matrix for metrics (classification) or the values (regression). */
export function predictionOutput(p: Predictions): Float64Array {
  return p.proba ?? p.values!;
}
