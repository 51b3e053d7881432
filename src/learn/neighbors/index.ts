import { invalid } from '../../core/errors.ts';
import type { Task } from '../../core/schema.ts';
import type { Fitted, Learner } from '../estimator.ts';
import type { FeatureMatrix } from '../matrix.ts';
import { DENSE_PARAMS } from '../preprocess/dense-encoder.ts';

export interface KnnParams {
  nNeighbors: number;
  /** 0 uniform, 1 inverse-distance weights */
  weights: number;
}

function rowMajor(X: FeatureMatrix): Float64Array {
  const p = X.columns.length;
  const A = new Float64Array(X.rows * p);
  for (let j = 0; j < p; j++) for (let i = 0; i < X.rows; i++) A[i * p + j] = X.columns[j][i];
  return A;
}

function fitted(train: Float64Array, y: Float64Array, p: number, task: Task, K: number, params: KnnParams): Fitted {
  const n = y.length;
  const k = Math.min(params.nNeighbors, n);
  return {
    predict(X) {
      if (X.columns.length !== p) throw invalid(`k-NN model expects ${p} encoded columns, got ${X.columns.length}`);
      const Q = rowMajor(X);
      const width = task === 'regression' ? 1 : K;
      const out = new Float64Array(X.rows * width);
      const bestD = new Float64Array(k);
      const bestI = new Int32Array(k);
      for (let q = 0; q < X.rows; q++) {
        bestD.fill(Infinity);
        let worst = Infinity;
        const qo = q * p;
        for (let i = 0; i < n; i++) {
          const io = i * p;
          let d = 0;
          for (let j = 0; j < p && d < worst; j++) {
            const t = Q[qo + j] - train[io + j];
            d += t * t;
          }
          if (d >= worst) continue;
          // insert into the sorted k best (ties keep the earlier training row, as a stable brute-force search does)
          let at = k - 1;
          while (at > 0 && bestD[at - 1] > d) {
            bestD[at] = bestD[at - 1];
            bestI[at] = bestI[at - 1];
            at--;
          }
          bestD[at] = d;
          bestI[at] = i;
          worst = bestD[k - 1];
        }
        let wsum = 0;
        for (let m = 0; m < k; m++) {
          const w = params.weights === 1 ? 1 / Math.max(Math.sqrt(bestD[m]), 1e-12) : 1;
          wsum += w;
          if (task === 'regression') out[q] += w * y[bestI[m]];
          else out[q * K + y[bestI[m]]] += w;
        }
        for (let c = 0; c < width; c++) out[q * width + c] /= wsum;
      }
      return out;
    },
    state: () => ({ meta: { rows: n, width: p, n_neighbors: params.nNeighbors, weights: params.weights }, arrays: { 'knn.x': train, 'knn.y': y } }),
  };
}

/** k-nearest neighbours (Euclidean, brute force) on standardised, one-hot features. */
export const knnLearner: Learner<KnnParams> = {
  name: 'knn',
  description: 'k-nearest neighbours',
  preprocessing: 'dense',
  tasks: ['binary', 'multiclass', 'regression'],
  params: [
    { name: 'n_neighbors', key: 'nNeighbors', type: 'int', min: 1, max: 10_000, default: 5 },
    { name: 'weights', key: 'weights', type: 'int', min: 0, max: 1, default: 0 },

    ...DENSE_PARAMS,
  ],
  fit(X, y, info, params) {
    if (X.rows === 0) throw invalid('cannot train on an empty training set (0 rows)');
    return fitted(rowMajor(X), Float64Array.from(y), X.columns.length, info.task, info.nClasses, params);
  },
  load(meta, arrays, nFeatures, info) {
    const x = arrays['knn.x'];
    const y = arrays['knn.y'];
    const rows = Number(meta.rows);
    if (!(x instanceof Float64Array) || !(y instanceof Float64Array) || Number(meta.width) !== nFeatures || y.length !== rows || x.length !== rows * nFeatures) {
      throw invalid('model bundle: k-NN training arrays do not match their metadata');
    }
    if (info.task !== 'regression' && y.some((v) => !(Number.isInteger(v) && v >= 0 && v < info.nClasses))) throw invalid('model bundle: k-NN labels out of range');
    return fitted(x, y, nFeatures, info.task, info.nClasses, { nNeighbors: Number(meta.n_neighbors), weights: Number(meta.weights) });
  },
};
