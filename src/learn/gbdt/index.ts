import { invalid } from '../../core/errors.ts';
import type { Learner } from '../estimator.ts';
import { predictRaw } from '../trees/forest.ts';
import { fitGbdt, GBDT_DEFAULTS, type GbdtParams } from './gbdt.ts';
import { forestFromArrays, forestToArrays } from '../trees/serialize.ts';
import type { Forest } from '../trees/forest.ts';
import type { FeatureMatrix } from '../matrix.ts';
import type { Task } from '../../core/schema.ts';

/** Raw scores -> probabilities (sigmoid / softmax) or values. */
export function link(task: Task, raw: Float64Array, rows: number, K: number): Float64Array {
  if (task === 'regression') return raw;
  if (task === 'binary') {
    const out = new Float64Array(rows * 2);
    for (let i = 0; i < rows; i++) {
      const p = 1 / (1 + Math.exp(-raw[i]));
      out[2 * i] = 1 - p;
      out[2 * i + 1] = p;
    }
    return out;
  }
  const out = new Float64Array(rows * K);
  for (let i = 0; i < rows; i++) {
    const o = i * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) if (raw[o + k] > max) max = raw[o + k];
    let sum = 0;
    for (let k = 0; k < K; k++) sum += out[o + k] = Math.exp(raw[o + k] - max);
    for (let k = 0; k < K; k++) out[o + k] /= sum;
  }
  return out;
}

function fitted(forest: Forest, task: Task, K: number, transform: string) {
  return {
    forest,
    predict: (X: FeatureMatrix) => {
      const out = link(task, predictRaw(forest, X), X.rows, K);
      // a model fitted on log(1 + y) answers on the target's own scale
      if (transform === 'log') for (let i = 0; i < out.length; i++) out[i] = Math.expm1(out[i]);
      return out;
    },
    state: () => ({ meta: { trees: forest.roots.length, target_transform: transform }, arrays: forestToArrays(forest) }),
  };
}

/** Histogram gradient-boosted trees (see gbdt.ts), with scikit-learn HistGradientBoosting's parameter names and defaults. */
export const gbdtLearner: Learner<GbdtParams> = {
  name: 'gbdt',
  description: 'histogram gradient-boosted trees',
  preprocessing: 'tree',
  tasks: ['binary', 'multiclass', 'regression'],
  params: [
    { name: 'n_estimators', key: 'nEstimators', type: 'int', min: 1, max: 100_000, default: GBDT_DEFAULTS.nEstimators },
    { name: 'learning_rate', key: 'learningRate', type: 'float', min: 0, above: true, max: 1, default: GBDT_DEFAULTS.learningRate },
    { name: 'max_leaf_nodes', key: 'maxLeafNodes', type: 'int', min: 2, max: 65_536, default: GBDT_DEFAULTS.maxLeafNodes },
    { name: 'max_depth', key: 'maxDepth', type: 'int', min: 0, max: 64, default: GBDT_DEFAULTS.maxDepth },
    { name: 'min_samples_leaf', key: 'minSamplesLeaf', type: 'int', min: 1, default: GBDT_DEFAULTS.minSamplesLeaf },
    { name: 'min_child_weight', key: 'minChildWeight', type: 'float', min: 0, default: GBDT_DEFAULTS.minChildWeight },
    { name: 'l2_regularization', key: 'l2Regularization', type: 'float', min: 0, default: GBDT_DEFAULTS.l2Regularization },
    { name: 'subsample', key: 'subsample', type: 'float', min: 0, above: true, max: 1, default: GBDT_DEFAULTS.subsample },
    { name: 'max_features', key: 'colsample', type: 'float', min: 0, above: true, max: 1, default: GBDT_DEFAULTS.colsample },
    { name: 'early_stopping', key: 'earlyStopping', type: 'int', min: -1, max: 1, default: GBDT_DEFAULTS.earlyStopping },
    { name: 'validation_fraction', key: 'validationFraction', type: 'float', min: 0, above: true, max: 0.5, default: GBDT_DEFAULTS.validationFraction },
    { name: 'n_iter_no_change', key: 'nIterNoChange', type: 'int', min: 1, default: GBDT_DEFAULTS.nIterNoChange },
    { name: 'max_delta_step', key: 'maxDeltaStep', type: 'float', min: -1, default: GBDT_DEFAULTS.maxDeltaStep },
    { name: 'target_transform', key: 'targetTransform', type: 'enum', values: ['none', 'log'], default: 'none' },
  ],
  fit(X, y, info, params, seed, threads) {
    const transform = params.targetTransform ?? 'none';
    let target = y;
    if (transform === 'log') {
      if (info.task !== 'regression') throw invalid(`parameter target_transform=log applies to regression only, not ${info.task}`);
      target = new Float64Array(y.length);
      for (let i = 0; i < y.length; i++) {
        if (!(y[i] > -1)) throw invalid('parameter target_transform=log needs every target above -1 (it fits log(1 + y))');
        target[i] = Math.log1p(y[i]);
      }
    }
    return fitted(fitGbdt(X, target, info.task, info.nClasses, { ...params, seed }, threads, info.deadline), info.task, info.nClasses, transform);
  },
  load(meta, arrays, nFeatures, info) {
    return fitted(forestFromArrays(arrays, nFeatures), info.task, info.nClasses, meta.target_transform === 'log' ? 'log' : 'none');
  },
};
