import { invalid } from '../../core/errors.ts';
import { Rng } from '../../core/random.ts';
import type { Task } from '../../core/schema.ts';
import type { Fitted, Learner } from '../estimator.ts';
import type { FeatureMatrix } from '../matrix.ts';
import { DENSE_PARAMS } from '../preprocess/dense-encoder.ts';
import { accuracy } from '../metrics/classification.ts';
import { r2 } from '../metrics/regression.ts';
import { binMatrix } from '../trees/binning.ts';
import { flatten } from '../trees/flatten.ts';
import { predictRaw, type Forest } from '../trees/forest.ts';
import { forestFromArrays, forestToArrays } from '../trees/serialize.ts';
import { growTrees, unpackTrees, type GrowJob, type GrowResult, type PackedTrees } from './grow-trees.ts';
import { runInWorkers, shared, siblingModule } from '../../threads/pool.ts';

export interface ForestParams {
  nEstimators: number;
  maxDepth: number;
  minSamplesLeaf: number;
  minSamplesSplit: number;
  /** share of features tried per split; 0 = scikit-learn's default (sqrt for classes, all for regression) */
  maxFeatures: number;
  bootstrap: number;
  extraTrees: number;
  /** 1: score the out-of-bag rows (as scikit-learn's oob_score; off by default there too: it walked every tree again, a tenth of a fit) */
  oobScore: number;
}

/** Split the seeds into one contiguous share per thread; shares come back in order, so the forest does not depend on threads. */
async function growInWorkers(job: GrowJob, threads: number): Promise<GrowResult> {
  const per = Math.ceil(job.seeds.length / threads);
  const columns = job.columns.map((c) => shared(c));
  const bins = shared(job.bins);
  const y = shared(job.y);
  const jobs: GrowJob[] = [];
  for (let s = 0; s < job.seeds.length; s += per) jobs.push({ ...job, columns, bins, y, seeds: job.seeds.slice(s, s + per) });
  const K = Math.max(1, job.classes);
  const parts = (await runInWorkers<GrowJob, Omit<GrowResult, 'trees'> & { packed: PackedTrees }>(siblingModule(import.meta.url, './worker'), jobs)).map((p) => ({ ...p, trees: unpackTrees(p.packed, K) }));
  const oob = new Float64Array(parts[0].oob.length);
  const oobCount = new Float64Array(parts[0].oobCount.length);
  for (const p of parts) {
    for (let i = 0; i < oob.length; i++) oob[i] += p.oob[i];
    for (let i = 0; i < oobCount.length; i++) oobCount[i] += p.oobCount[i];
  }
  return { trees: parts.flatMap((p) => p.trees), oob, oobCount };
}

function fitted(forest: Forest, meta: Record<string, unknown>): Fitted {
  const K = forest.nOutputs;
  return {
    predict: (X: FeatureMatrix) => {
      const out = predictRaw(forest, X);
      if (forest.leafWidth[0] > 1) {
        // shares summed over trees drift from 1 by rounding; renormalise so every row is a distribution
        for (let i = 0; i < X.rows; i++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += out[i * K + k];
          for (let k = 0; k < K; k++) out[i * K + k] = Math.min(1, out[i * K + k] / s);
        }
      }
      return out;
    },
    state: () => ({ meta, arrays: forestToArrays(forest) }),
  };
}

/**
 * Random forest and extra trees (classification and regression) on binned features, with an out-of-bag score. Leaves store
 * class shares (or means) pre-divided by the number of trees, so the forest's output is their average.
 */
export const forestLearner: Learner<ForestParams> = {
  name: 'forest',
  description: 'random forest / extra trees',
  // imputed + one-hot inputs, as scikit-learn's forest pipelines: on the benchmark sets it matched or beat native
  // categories and learned missing directions for bagged deep trees (penguins, credit, lending club, wages)
  preprocessing: 'dense',
  tasks: ['binary', 'multiclass', 'regression'],
  params: [
    { name: 'n_estimators', key: 'nEstimators', type: 'int', min: 1, max: 10_000, default: 100 },
    { name: 'max_depth', key: 'maxDepth', type: 'int', min: 0, max: 1000, default: 0 },
    { name: 'min_samples_leaf', key: 'minSamplesLeaf', type: 'int', min: 1, default: 1 },
    { name: 'min_samples_split', key: 'minSamplesSplit', type: 'int', min: 2, default: 2 },
    { name: 'max_features', key: 'maxFeatures', type: 'float', min: 0, max: 1, default: 0 },
    { name: 'bootstrap', key: 'bootstrap', type: 'bool', default: 1 },
    { name: 'extra_trees', key: 'extraTrees', type: 'bool', default: 0 },
    { name: 'oob_score', key: 'oobScore', type: 'bool', default: 0 },

    ...DENSE_PARAMS,
  ],
  async fit(X, y, info, params, seed, threads) {
    const n = X.rows;
    if (n === 0) throw invalid('cannot train on an empty training set (0 rows)');
    const rng = new Rng(seed);
    const { mappers, columns, bins } = binMatrix(X, rng);
    const F = mappers.length;
    const classes = info.task === 'regression' ? 0 : info.nClasses;
    const K = Math.max(1, classes);
    const share = params.maxFeatures > 0 ? params.maxFeatures : info.task === 'regression' ? 1 : Math.sqrt(F) / F;
    const mtry = Math.max(1, Math.round(share * F));
    const treeParams = { maxDepth: params.maxDepth, minSamplesLeaf: params.minSamplesLeaf, minSamplesSplit: params.minSamplesSplit, mtry, extraTrees: params.extraTrees === 1 };
    const seeds = Array.from({ length: params.nEstimators }, () => rng.int(2 ** 31));
    const job = { columns, bins, mappers, y, classes, params: treeParams, bootstrap: params.bootstrap === 1, oob: params.oobScore === 1, seeds, deadline: info.deadline };
    const { trees, oob, oobCount } = threads > 1 && seeds.length > 1 ? await growInWorkers(job, threads) : growTrees(job);
    for (const t of trees) {
      for (let i = 0; i < t.feature.length; i++) {
        const v = t.vectors![i];
        if (!v) continue;
        for (let k = 0; k < K; k++) v[k] /= trees.length;
        t.value[i] = v[0];
      }
    }
    const meta: Record<string, unknown> = { trees: trees.length, mtry };
    const seen = Array.from(oobCount.keys()).filter((i) => oobCount[i] > 0);
    if (seen.length > 0) {
      if (classes > 0) {
        const pred = seen.map((i) => {
          let b = 0;
          for (let k = 1; k < K; k++) if (oob[i * K + k] > oob[i * K + b]) b = k;
          return b;
        });
        meta.oob_score = accuracy(seen.map((i) => y[i]), pred);
      } else meta.oob_score = r2(seen.map((i) => y[i]), seen.map((i) => oob[i] / oobCount[i]));
    }
    const forest = flatten(trees, trees.map(() => 0), mappers, X.nCategories, new Float64Array(K), classes > 0 ? K : 1);
    return fitted(forest, meta);
  },
  load(meta, arrays, nFeatures, info) {
    const forest = forestFromArrays(arrays, nFeatures);
    const expected: Task = info.task;
    if ((expected === 'regression' ? 1 : info.nClasses) !== forest.nOutputs) throw invalid('model bundle: forest outputs do not match the task');
    return fitted(forest, meta);
  },
};
