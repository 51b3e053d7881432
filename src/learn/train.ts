import type { FeatureSpec, TargetSpec } from '../core/schema.ts';
import type { Table } from '../core/table.ts';
import { resolveParams } from './estimator.ts';
import { getLearner } from './learners.ts';
import { encode, type TabularModel } from './model.ts';
import { fitDenseEncoder } from './preprocess/dense-encoder.ts';
import { fitTreeEncoder } from './preprocess/tree-encoder.ts';
import { invalid } from '../core/errors.ts';

export interface TrainSpec {
  learner: string;
  /** scikit-learn parameter names */
  params: Record<string, number>;
  seed: number;
  threads?: number;
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
  const params = resolveParams<Record<string, number>>(learner, spec.params);
  const encoder = learner.preprocessing === 'tree' ? fitTreeEncoder(table, features) : fitDenseEncoder(table, features);
  const X = encode(encoder, table);
  const fitted = await learner.fit(X, y, { task: target.task, nClasses: target.classes?.length ?? 1 }, params, spec.seed, spec.threads ?? 1);
  return { target, features, encoder, learner: { name: learner.name, params }, fitted };
}
