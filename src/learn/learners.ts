import { invalid } from '../core/errors.ts';
import type { Learner } from './estimator.ts';
import { gbdtLearner } from './gbdt/index.ts';
import { linearLearner } from './linear/index.ts';
import { forestLearner } from './forest/index.ts';
import { knnLearner } from './neighbors/index.ts';
import { bayesLearner } from './bayes/index.ts';
import { kmeansLearner } from './cluster/index.ts';

/** Every learner by its CLI name. */
export const LEARNERS: Record<string, Learner> = {
  gbdt: gbdtLearner as unknown as Learner,
  linear: linearLearner as unknown as Learner,
  forest: forestLearner as unknown as Learner,
  knn: knnLearner as unknown as Learner,
  bayes: bayesLearner as unknown as Learner,
  kmeans: kmeansLearner as unknown as Learner,
};

export function getLearner(name: string): Learner {
  const l = LEARNERS[name];
  if (!l) throw invalid(`unknown learner "${name}" (available: ${Object.keys(LEARNERS).join(', ')})`);
  return l;
}
