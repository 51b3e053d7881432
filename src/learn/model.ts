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
  /**
   * An ensemble: the weighted mean of its members' outputs (probabilities or values), each member with its own preprocessing.
   * `encoder` and `fitted` are then the first member's and unused for prediction.
   */
  members?: { weight: number; model: TabularModel }[];
}

/** The raw output of a model on a table: probabilities (rows x classes) or values. */
export function modelOutput(model: TabularModel, table: Table): Float64Array {
  if (!model.members) return model.fitted.predict(encode(model.encoder, table));
  let out: Float64Array | null = null;
  for (const { weight, model: m } of model.members) {
    const o = modelOutput(m, table);
    if (!out) out = new Float64Array(o.length);
    for (let i = 0; i < o.length; i++) out[i] += weight * o[i];
  }
  return out!;
}

/** An ensemble model over members trained on the same target and features; weights are normalised to sum to 1. */
export function ensembleModel(members: { weight: number; model: TabularModel }[]): TabularModel {
  if (members.length === 0) throw invalid('an ensemble needs at least one member');
  const total = members.reduce((a, m) => a + m.weight, 0);
  const first = members[0].model;
  const normalised = members.map((m) => ({ weight: m.weight / total, model: m.model }));
  return { ...first, learner: { name: 'ensemble', params: Object.fromEntries(normalised.map((m, i) => [`member${i}`, `${m.model.learner.name}:${m.weight.toFixed(4)}`])) }, members: normalised };
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
  return toPredictions(model.target, modelOutput(model, table), table.rows);
}

/** The probability matrix for metrics (classification) or the values (regression). */
export function predictionOutput(p: Predictions): Float64Array {
  return p.proba ?? p.values!;
}
