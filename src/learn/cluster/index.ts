import { invalid } from '../../core/errors.ts';
import type { Fitted, Learner } from '../estimator.ts';
import type { FeatureMatrix } from '../matrix.ts';
import { DENSE_PARAMS } from '../preprocess/dense-encoder.ts';
import { kMeans } from './kmeans.ts';

export { kMeans, silhouette } from './kmeans.ts';

export interface KMeansParams {
  nClusters: number;
  nInit: number;
  maxIter: number;
}

export function rowMajor(X: FeatureMatrix): Float64Array {
  const p = X.columns.length;
  const A = new Float64Array(X.rows * p);
  for (let j = 0; j < p; j++) for (let i = 0; i < X.rows; i++) A[i * p + j] = X.columns[j][i];
  return A;
}

function fitted(centers: Float64Array, k: number, p: number): Fitted {
  return {
    // the nearest centre, as a one-hot row (the cluster is the arg-max, like a class)
    predict(X) {
      if (X.columns.length !== p) throw invalid(`k-means model expects ${p} encoded columns, got ${X.columns.length}`);
      const out = new Float64Array(X.rows * k);
      for (let i = 0; i < X.rows; i++) {
        let best = 0;
        let bd = Infinity;
        for (let c = 0; c < k; c++) {
          let d = 0;
          for (let j = 0; j < p; j++) {
            const t = X.columns[j][i] - centers[c * p + j];
            d += t * t;
          }
          if (d < bd) {
            bd = d;
            best = c;
          }
        }
        out[i * k + best] = 1;
      }
      return out;
    },
    state: () => ({ meta: { n_clusters: k, width: p }, arrays: { 'kmeans.centers': centers } }),
  };
}

/** Lloyd's k-means with k-means++ starts, on imputed, scaled, one-hot features; clusters are numbered 0..k-1. */
export const kmeansLearner: Learner<KMeansParams> = {
  name: 'kmeans',
  description: 'k-means clustering',
  preprocessing: 'dense',
  tasks: ['clustering'],
  params: [
    { name: 'n_clusters', key: 'nClusters', type: 'int', min: 2, max: 1000, default: 8 },
    { name: 'n_init', key: 'nInit', type: 'int', min: 1, max: 100, default: 4 },
    { name: 'max_iter', key: 'maxIter', type: 'int', min: 1, max: 10_000, default: 300 },
    ...DENSE_PARAMS.map((d) => (d.name === 'categorical' ? { ...d, values: ['onehot'], default: 'onehot' } : d)),
  ],
  fit(X, _y, _info, params, seed) {
    const p = X.columns.length;
    const r = kMeans(rowMajor(X), X.rows, p, params.nClusters, { seed, nInit: params.nInit, maxIter: params.maxIter });
    return fitted(r.centers, params.nClusters, p);
  },
  load(meta, arrays, nFeatures) {
    const k = Number(meta.n_clusters);
    const centers = arrays['kmeans.centers'];
    if (!(centers instanceof Float64Array) || !Number.isInteger(k) || centers.length !== k * nFeatures) throw invalid('k-means bundle: centres do not match n_clusters x encoded width');
    return fitted(centers, k, nFeatures);
  },
};
