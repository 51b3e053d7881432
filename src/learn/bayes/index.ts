import { invalid } from '../../core/errors.ts';
import type { Fitted, Learner } from '../estimator.ts';
import type { FeatureMatrix } from '../matrix.ts';

export interface BayesParams {
  varSmoothing: number;
  alpha: number;
}

/**
 * Naive Bayes for mixed tables: Gaussian likelihoods for numeric features (scikit-learn GaussianNB's variance smoothing),
 * categorical likelihoods with Laplace smoothing for categories (CategoricalNB). A missing value contributes no evidence.
 * Arrays: log priors (K), means and variances (K x F, numeric features), log probabilities per category (per feature, K x C).
 */
function fitted(K: number, kinds: ('numeric' | 'categorical')[], nCats: number[], logPrior: Float64Array, mean: Float64Array, variance: Float64Array, logCat: Float64Array, catOffset: Int32Array): Fitted {
  const F = kinds.length;
  return {
    predict(X: FeatureMatrix) {
      if (X.columns.length !== F) throw invalid(`naive Bayes model expects ${F} features, got ${X.columns.length}`);
      const out = new Float64Array(X.rows * K);
      for (let i = 0; i < X.rows; i++) {
        const o = i * K;
        for (let k = 0; k < K; k++) out[o + k] = logPrior[k];
        for (let f = 0; f < F; f++) {
          const v = X.columns[f][i];
          if (!Number.isFinite(v)) continue;
          if (kinds[f] === 'numeric') {
            for (let k = 0; k < K; k++) {
              const s2 = variance[k * F + f];
              const d = v - mean[k * F + f];
              out[o + k] += -0.5 * Math.log(2 * Math.PI * s2) - (d * d) / (2 * s2);
            }
          } else {
            const c = v | 0;
            if (c < 0 || c >= nCats[f]) continue;
            for (let k = 0; k < K; k++) out[o + k] += logCat[catOffset[f] + k * nCats[f] + c];
          }
        }
        let max = -Infinity;
        for (let k = 0; k < K; k++) max = Math.max(max, out[o + k]);
        // a value far outside every class's range makes all likelihoods 0: fall back to the priors rather than NaN
        if (!Number.isFinite(max)) for (let k = 0; k < K; k++) out[o + k] = logPrior[k];
        if (!Number.isFinite(max)) max = Math.max(...Array.from(logPrior));
        let sum = 0;
        for (let k = 0; k < K; k++) sum += out[o + k] = Math.exp(out[o + k] - max);
        for (let k = 0; k < K; k++) out[o + k] /= sum;
      }
      return out;
    },
    state: () => ({
      meta: { classes: K, kinds, categories: nCats },
      arrays: { 'nb.logPrior': logPrior, 'nb.mean': mean, 'nb.variance': variance, 'nb.logCat': logCat, 'nb.catOffset': catOffset },
    }),
  };
}

export const bayesLearner: Learner<BayesParams> = {
  name: 'bayes',
  description: 'naive Bayes (Gaussian + categorical)',
  preprocessing: 'tree',
  tasks: ['binary', 'multiclass'],
  params: [
    { name: 'var_smoothing', key: 'varSmoothing', type: 'float', min: 0, default: 1e-9 },
    { name: 'alpha', key: 'alpha', type: 'float', min: 0, above: true, default: 1 },
  ],
  fit(X, y, info, params) {
    const K = info.nClasses;
    const F = X.columns.length;
    const n = X.rows;
    if (n === 0) throw invalid('cannot train on an empty training set (0 rows)');
    const classCount = new Float64Array(K);
    for (let i = 0; i < n; i++) classCount[y[i]]++;
    const logPrior = classCount.map((c) => Math.log(Math.max(c, 1e-300) / n));
    const mean = new Float64Array(K * F);
    const variance = new Float64Array(K * F);
    const catOffset = new Int32Array(F);
    let total = 0;
    for (let f = 0; f < F; f++) {
      catOffset[f] = total;
      if (X.kinds[f] === 'categorical') total += K * X.nCategories[f];
    }
    const logCat = new Float64Array(total);
    let maxVar = 0;
    for (let f = 0; f < F; f++) {
      const col = X.columns[f];
      if (X.kinds[f] === 'numeric') {
        const cnt = new Float64Array(K);
        const s = new Float64Array(K);
        const ss = new Float64Array(K);
        let m = 0;
        let q = 0;
        let c = 0;
        for (let i = 0; i < n; i++) {
          const v = col[i];
          if (v !== v) continue;
          const k = y[i];
          cnt[k]++;
          s[k] += v;
          c++;
          const d = v - m;
          m += d / c;
          q += d * (v - m);
        }
        maxVar = Math.max(maxVar, c > 0 ? q / c : 0);
        for (let k = 0; k < K; k++) mean[k * F + f] = cnt[k] > 0 ? s[k] / cnt[k] : 0;
        for (let i = 0; i < n; i++) {
          const v = col[i];
          if (v !== v) continue;
          const k = y[i];
          ss[k] += (v - mean[k * F + f]) ** 2;
        }
        for (let k = 0; k < K; k++) variance[k * F + f] = cnt[k] > 0 ? ss[k] / cnt[k] : 0;
      } else {
        const C = X.nCategories[f];
        const counts = new Float64Array(K * C);
        const perClass = new Float64Array(K);
        for (let i = 0; i < n; i++) {
          const v = col[i];
          if (v !== v || v < 0 || v >= C) continue;
          counts[y[i] * C + v]++;
          perClass[y[i]]++;
        }
        for (let k = 0; k < K; k++) for (let c = 0; c < C; c++) logCat[catOffset[f] + k * C + c] = Math.log((counts[k * C + c] + params.alpha) / (perClass[k] + params.alpha * C));
      }
    }
    // GaussianNB: every variance gets var_smoothing x the largest feature variance, so constant features cannot divide by 0
    const eps = Math.max(params.varSmoothing * maxVar, 1e-300);
    for (let i = 0; i < variance.length; i++) variance[i] += eps;
    return fitted(K, X.kinds, X.nCategories, logPrior, mean, variance, logCat, catOffset);
  },
  load(meta, arrays, nFeatures, info) {
    const kinds = meta.kinds as ('numeric' | 'categorical')[];
    const cats = meta.categories as number[];
    const get = (name: string) => arrays[`nb.${name}`];
    const [logPrior, mean, variance, logCat, catOffset] = [get('logPrior'), get('mean'), get('variance'), get('logCat'), get('catOffset')];
    const K = info.nClasses;
    if (!Array.isArray(kinds) || kinds.length !== nFeatures || !Array.isArray(cats) || !(logPrior instanceof Float64Array) || logPrior.length !== K || !(mean instanceof Float64Array) || mean.length !== K * nFeatures || !(variance instanceof Float64Array) || !(logCat instanceof Float64Array) || !(catOffset instanceof Int32Array)) {
      throw invalid('model bundle: naive Bayes arrays do not match their metadata');
    }
    for (let f = 0; f < nFeatures; f++) if (kinds[f] === 'categorical' && catOffset[f] + K * cats[f] > logCat.length) throw invalid('model bundle: naive Bayes category table out of range');
    return fitted(K, kinds, cats, logPrior, mean, variance, logCat, catOffset);
  },
};
