import { invalid } from '../core/errors.ts';
import type { FeatureSpec, TargetSpec } from '../core/schema.ts';
import type { Table } from '../core/table.ts';
import { fitGbdt, GBDT_DEFAULTS, type GbdtParams } from './gbdt/gbdt.ts';
import type { TabularModel } from './model.ts';
import { encodeTable, fitTreeEncoder } from './preprocess/tree-encoder.ts';

export type LearnerName = 'gbdt';

/** scikit-learn parameter names accepted on the command line, mapped to the learner's options. */
const GBDT_PARAM_NAMES: Record<string, keyof GbdtParams> = {
  n_estimators: 'nEstimators',
  max_iter: 'nEstimators',
  learning_rate: 'learningRate',
  max_leaf_nodes: 'maxLeafNodes',
  max_depth: 'maxDepth',
  min_samples_leaf: 'minSamplesLeaf',
  l2_regularization: 'l2Regularization',
};

export function gbdtParamNames(): string[] {
  return Object.keys(GBDT_PARAM_NAMES);
}

/** Resolve user parameters (scikit-learn names) over the defaults; unknown names are an error naming the allowed ones. */
export function resolveGbdtParams(user: Record<string, number>, seed: number): GbdtParams {
  const out: GbdtParams = { ...GBDT_DEFAULTS, seed };
  for (const [k, v] of Object.entries(user)) {
    const key = GBDT_PARAM_NAMES[k];
    if (!key) throw invalid(`unknown parameter "${k}" for learner gbdt (allowed: ${gbdtParamNames().join(', ')})`);
    if (!Number.isFinite(v)) throw invalid(`parameter ${k} must be a number, got ${v}`);
    out[key] = v;
  }
  return out;
}

/**
 * Fit preprocessing and learner on training rows only.
 *
 * @example
 * const model = trainModel(trainTable, y, target, features, GBDT_DEFAULTS);
 */
export function trainModel(table: Table, y: Float64Array, target: TargetSpec, features: FeatureSpec[], params: GbdtParams): TabularModel {
  const encoder = fitTreeEncoder(table, features);
  const X = encodeTable(encoder, table);
  const forest = fitGbdt(X, y, target.task, target.classes?.length ?? 1, params);
  return { target, features, encoder, learner: { name: 'gbdt', params: { ...params } }, forest };
}
