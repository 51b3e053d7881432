import type { FeatureSpec, TargetSpec } from '../core/schema.ts';
import type { Table } from '../core/table.ts';
import { resolveParams } from './estimator.ts';
import { getLearner } from './learners.ts';
import { encode, type Encoder, type TabularModel } from './model.ts';
import type { FeatureMatrix } from './matrix.ts';
import { fitDense, type DenseOptions } from './preprocess/dense-encoder.ts';
import { fitTreeEncoder } from './preprocess/tree-encoder.ts';
import { invalid } from '../core/errors.ts';

export interface TrainSpec {
  learner: string;
  /** scikit-learn parameter names */
  params: Record<string, number | string>;
  seed: number;
  threads?: number;
  /** epoch ms after which iterative learners stop early (see TaskInfo.deadline) */
  deadline?: number;
}

/** Check a learner name and its parameters before any data is read. */
export function checkTrainSpec(spec: TrainSpec): void {
  resolveParams(getLearner(spec.learner), spec.params);
}

/**
 * Fit the learner's default preprocessing and the learner on training rows only.
 *
 * @example
 * const model = await trainModel(trainTable, y, target, features, { learner: 'gbdt', params: { n_estimators: 200 }, seed: 0 });
 */
export async function trainModel(table: Table, y: Float64Array, target: TargetSpec, features: FeatureSpec[], spec: TrainSpec): Promise<TabularModel> {
  const learner = getLearner(spec.learner);
  if (!learner.tasks.includes(target.task)) throw invalid(`learner ${learner.name} does not support ${target.task} (it does ${learner.tasks.join(', ')})`);
  const params = resolveParams<Record<string, number | string>>(learner, spec.params);
  // a clustering model's classes are the clusters it finds: 0..k-1
  if (target.task === 'clustering') target = { ...target, classes: Array.from({ length: Number(params.nClusters) }, (_, i) => String(i)) };
  const nClasses = target.classes?.length ?? 1;
  let encoder: Encoder;
  let X: FeatureMatrix;
  if (learner.preprocessing === 'tree') {
    encoder = fitTreeEncoder(table, features);
    X = encode(encoder, table);
  } else {
    const options = { impute: params.impute, scaler: params.scaler, categorical: params.categorical } as DenseOptions;
    ({ encoder, X } = fitDense(table, features, options, { y, task: target.task, nClasses, seed: spec.seed }));
  }
  const fitted = await learner.fit(X, y, { task: target.task, nClasses, ...(spec.deadline !== undefined ? { deadline: spec.deadline } : {}) }, params, spec.seed, spec.threads ?? 1);
  return { target, features, encoder, learner: { name: learner.name, params }, fitted };
}
