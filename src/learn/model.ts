import { invalid } from '../core/errors.ts';
import type { FeatureSpec, TargetSpec } from '../core/schema.ts';
import type { Table } from '../core/table.ts';
import type { Fitted } from './estimator.ts';
import type { FeatureMatrix } from './matrix.ts';
import { encodeDense, denseColumnNames, type DenseEncoder } from './preprocess/dense-encoder.ts';
import { encodeTable, type TreeEncoder } from './preprocess/tree-encoder.ts';

export type Encoder = TreeEncoder | DenseEncoder;

/**
 * A trained tabular model: the signature it was trained on, the preprocessing fitted on the training rows, and the fitted
 * learner. Training and serving both call `predictTable`, so there is one preprocessing implementation and no skew.
 */
export interface TabularModel {
  target: TargetSpec;
  features: FeatureSpec[];
  encoder: Encoder;
  learner: { name: string; params: Record<string, number | string> };
  fitted: Fitted;
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

export function encode(encoder: Encoder, table: Table): FeatureMatrix {
  return encoder.kind === 'tree-encoder' ? encodeTable(encoder, table) : encodeDense(encoder, table);
}

/** Columns the learner sees after preprocessing. */
export function encodedWidth(encoder: Encoder): number {
  return encoder.kind === 'tree-encoder' ? encoder.features.length : denseColumnNames(encoder).length;
}

/** Learner output (probabilities or values) -> predictions with the arg-max class. */
export function toPredictions(target: TargetSpec, output: Float64Array, rows: number): Predictions {
  if (target.task === 'regression') return { rows, values: output };
  const K = target.classes!.length;
  const classIndex = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (output[i * K + k] > output[i * K + best]) best = k;
    classIndex[i] = best;
  }
  return { rows, proba: output, classIndex };
}

/** Predict every row of a table holding (at least) the model's feature columns. */
export function predictTable(model: TabularModel, table: Table): Predictions {
  if (table.rows === 0) throw invalid('no rows to predict');
  return toPredictions(model.target, model.fitted.predict(encode(model.encoder, table)), table.rows);
}

/** The probability matrix for metrics (classification) or the values (regression). */
export function predictionOutput(p: Predictions): Float64Array {
  return p.proba ?? p.values!;
}
