import { invalid } from '../../core/errors.ts';
import { Rng } from '../../core/random.ts';
import type { Task } from '../../core/schema.ts';
import type { Fitted, Learner } from '../estimator.ts';
import type { FeatureMatrix } from '../matrix.ts';
import { accuracy } from '../metrics/classification.ts';
import { r2 } from '../metrics/regression.ts';
import { binMatrix } from '../trees/binning.ts';
import { flatten, type BinTree } from '../trees/flatten.ts';
import { predictRaw, type Forest } from '../trees/forest.ts';
import { forestFromArrays, forestToArrays } from '../trees/serialize.ts';
import { ForestTreeGrower } from './grower.ts';

export interface ForestParams {
  nEstimators: number;
  maxDepth: number;
  minSamplesLeaf: number;
  minSamplesSplit: number;
  /** share of features tried per split; 0 = scikit-learn's default (sqrt for classes, all for regression) */
  maxFeatures: number;
  bootstrap: number;
  extraTrees: number;
}

function binTreeVector(t: BinTree, columns: Uint8Array[], r: number): Float64Array {
  let node = 0;
  while (t.feature[node] >= 0) node = t.lut[node]![columns[t.feature[node]][r]] === 1 ? t.left[node] : t.right[node];
  return t.vectors![node]!;
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
  preprocessing: 'tree',
  tasks: ['binary', 'multiclass', 'regression'],
  params: [
    { name: 'n_estimators', key: 'nEstimators', type: 'int', min: 1, max: 10_000, default: 100 },
    { name: 'max_depth', key: 'maxDepth', type: 'int', min: 0, max: 1000, default: 0 },
    { name: 'min_samples_leaf', key: 'minSamplesLeaf', type: 'int', min: 1, default: 1 },
    { name: 'min_samples_split', key: 'minSamplesSplit', type: 'int', min: 2, default: 2 },
    { name: 'max_features', key: 'maxFeatures', type: 'float', min: 0, max: 1, default: 0 },
    { name: 'bootstrap', key: 'bootstrap', type: 'bool', default: 1 },
    { name: 'extra_trees', key: 'extraTrees', type: 'bool', default: 0 },
  ],
  fit(X, y, info, params, seed) {
    const n = X.rows;
    if (n === 0) throw invalid('cannot train on an empty training set (0 rows)');
    const rng = new Rng(seed);
    const { mappers, columns } = binMatrix(X, rng);
    const F = mappers.length;
    const classes = info.task === 'regression' ? 0 : info.nClasses;
    const K = Math.max(1, classes);
    const share = params.maxFeatures > 0 ? params.maxFeatures : info.task === 'regression' ? 1 : Math.sqrt(F) / F;
    const mtry = Math.max(1, Math.round(share * F));
    const grower = new ForestTreeGrower(columns, mappers, y, classes, { maxDepth: params.maxDepth, minSamplesLeaf: params.minSamplesLeaf, minSamplesSplit: params.minSamplesSplit, mtry, extraTrees: params.extraTrees === 1 }, n);
    const features = Array.from({ length: F }, (_, f) => f);
    const trees: BinTree[] = [];
    const w = new Float64Array(n);
    const idx = new Uint32Array(n);
    const oob = new Float64Array(n * K);
    const oobCount = new Float64Array(n);
    for (let t = 0; t < params.nEstimators; t++) {
      const treeRng = new Rng(rng.int(2 ** 31));
      if (params.bootstrap === 1) {
        w.fill(0);
        for (let i = 0; i < n; i++) w[treeRng.int(n)] += 1;
      } else w.fill(1);
      let m = 0;
      for (let i = 0; i < n; i++) if (w[i] > 0) idx[m++] = i;
      const tree = grower.grow(idx, m, w, features, treeRng);
      trees.push(tree);
      if (params.bootstrap === 1) {
        for (let i = 0; i < n; i++) {
          if (w[i] > 0) continue;
          const v = binTreeVector(tree, columns, i);
          for (let k = 0; k < K; k++) oob[i * K + k] += v[k];
          oobCount[i]++;
        }
      }
    }
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
