import { invalid } from '../../core/errors.ts';
import type { Task } from '../../core/schema.ts';
import type { Fitted, Learner } from '../estimator.ts';
import { link } from '../gbdt/index.ts';
import type { FeatureMatrix } from '../matrix.ts';
import { DENSE_PARAMS } from '../preprocess/dense-encoder.ts';
import { fista, lbfgs } from './optimize.ts';

export interface LinearParams {
  C: number;
  alpha: number;
  l1Ratio: number;
  maxIter: number;
}

/** Row-major copy with a trailing 1 for the intercept. */
function design(X: FeatureMatrix): { A: Float64Array; d: number } {
  const p = X.columns.length;
  const d = p + 1;
  const A = new Float64Array(X.rows * d);
  for (let j = 0; j < p; j++) {
    const col = X.columns[j];
    for (let i = 0; i < X.rows; i++) A[i * d + j] = col[i];
  }
  for (let i = 0; i < X.rows; i++) A[i * d + p] = 1;
  return { A, d };
}

/** Raw scores (rows x K) = A W^T with W stored K x d. */
function scores(W: Float64Array, A: Float64Array, n: number, d: number, K: number): Float64Array {
  const out = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let k = 0; k < K; k++) {
      let s = 0;
      const wk = k * d;
      for (let j = 0; j < d; j++) s += A[row + j] * W[wk + j];
      out[i * K + k] = s;
    }
  }
  return out;
}

/** Mean cross-entropy (sigmoid for K=1, softmax otherwise) plus l2/2 |w|^2 on non-intercept weights; gradient into grad. */
function logisticObjective(A: Float64Array, y: Float64Array, n: number, d: number, K: number, l2: number) {
  const z = new Float64Array(n * K);
  return (W: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const row = i * d;
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += A[row + j] * W[k * d + j];
        z[i * K + k] = s;
      }
      if (K === 1) {
        const s = z[i];
        // stable log(1 + e^s) - y s
        loss += (s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s))) - y[i] * s;
        const r = 1 / (1 + Math.exp(-s)) - y[i];
        for (let j = 0; j < d; j++) grad[j] += r * A[row + j];
      } else {
        let max = -Infinity;
        for (let k = 0; k < K; k++) max = Math.max(max, z[i * K + k]);
        let sum = 0;
        for (let k = 0; k < K; k++) sum += Math.exp(z[i * K + k] - max);
        const lse = max + Math.log(sum);
        loss += lse - z[i * K + y[i]];
        for (let k = 0; k < K; k++) {
          const r = Math.exp(z[i * K + k] - lse) - (y[i] === k ? 1 : 0);
          if (r === 0) continue;
          for (let j = 0; j < d; j++) grad[k * d + j] += r * A[row + j];
        }
      }
    }
    loss /= n;
    for (let j = 0; j < grad.length; j++) grad[j] /= n;
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < d - 1; j++) {
        const w = W[k * d + j];
        loss += (l2 / 2) * w * w;
        grad[k * d + j] += l2 * w;
      }
    }
    return loss;
  };
}

/** Half mean squared error plus l2/2 |w|^2 (scikit-learn ElasticNet's scaling). */
function squaredObjective(A: Float64Array, y: Float64Array, n: number, d: number, l2: number) {
  return (w: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      const row = i * d;
      for (let j = 0; j < d; j++) s += A[row + j] * w[j];
      const r = s - y[i];
      loss += r * r;
      for (let j = 0; j < d; j++) grad[j] += r * A[row + j];
    }
    loss /= 2 * n;
    for (let j = 0; j < d; j++) grad[j] /= n;
    for (let j = 0; j < d - 1; j++) {
      loss += (l2 / 2) * w[j] * w[j];
      grad[j] += l2 * w[j];
    }
    return loss;
  };
}

/** Ridge by the normal equations on centred data (scikit-learn Ridge: |y - Xw|^2 + alpha |w|^2, intercept unpenalised). */
function ridge(A: Float64Array, y: Float64Array, n: number, d: number, alpha: number): Float64Array {
  const p = d - 1;
  const mean = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) mean[j] += A[i * d + j];
  for (let j = 0; j < p; j++) mean[j] /= n;
  let ym = 0;
  for (let i = 0; i < n; i++) ym += y[i];
  ym /= n;
  const G = new Float64Array(p * p);
  const b = new Float64Array(p);
  const xc = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) xc[j] = A[i * d + j] - mean[j];
    const yc = y[i] - ym;
    for (let j = 0; j < p; j++) {
      const xj = xc[j];
      if (xj === 0) continue;
      b[j] += xj * yc;
      for (let k = j; k < p; k++) G[j * p + k] += xj * xc[k];
    }
  }
  for (let j = 0; j < p; j++) {
    for (let k = 0; k < j; k++) G[j * p + k] = G[k * p + j];
    G[j * p + j] += Math.max(alpha, 1e-10);
  }
  // Cholesky G = L L^T, then two triangular solves
  const L = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    let s = G[j * p + j];
    for (let k = 0; k < j; k++) s -= L[j * p + k] ** 2;
    const diag = Math.sqrt(Math.max(s, 1e-12));
    L[j * p + j] = diag;
    for (let i = j + 1; i < p; i++) {
      let t = G[i * p + j];
      for (let k = 0; k < j; k++) t -= L[i * p + k] * L[j * p + k];
      L[i * p + j] = t / diag;
    }
  }
  const z = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * p + k] * z[k];
    z[i] = s / L[i * p + i];
  }
  const w = new Float64Array(d);
  for (let i = p - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < p; k++) s -= L[k * p + i] * w[k];
    w[i] = s / L[i * p + i];
  }
  let intercept = ym;
  for (let j = 0; j < p; j++) intercept -= mean[j] * w[j];
  w[p] = intercept;
  return w;
}

function fitted(W: Float64Array, task: Task, K: number, d: number): Fitted {
  const out = task === 'multiclass' ? K : 1;
  return {
    predict: (X) => {
      if (X.columns.length + 1 !== d) throw invalid(`linear model expects ${d - 1} encoded columns, got ${X.columns.length}`);
      const { A } = design(X);
      return link(task, scores(W, A, X.rows, d, out), X.rows, K);
    },
    state: () => ({ meta: { outputs: out, width: d }, arrays: { 'linear.weights': W } }),
  };
}

/**
 * Linear models on one-hot + standardised features: logistic regression (binary, multinomial) with scikit-learn's C, and
 * ridge regression with alpha. l1_ratio > 0 adds an L1 share (elastic net, solved by FISTA; for regression this follows
 * scikit-learn ElasticNet's scaling of alpha).
 */
export const linearLearner: Learner<LinearParams> = {
  name: 'linear',
  description: 'logistic / ridge / elastic-net regression',
  preprocessing: 'dense',
  tasks: ['binary', 'multiclass', 'regression'],
  params: [
    { name: 'C', key: 'C', type: 'float', min: 0, above: true, default: 1 },
    { name: 'alpha', key: 'alpha', type: 'float', min: 0, default: 1 },
    { name: 'l1_ratio', key: 'l1Ratio', type: 'float', min: 0, max: 1, default: 0 },
    { name: 'max_iter', key: 'maxIter', type: 'int', min: 1, max: 100_000, default: 1000 },

    ...DENSE_PARAMS,
  ],
  fit(X, y, info, params) {
    const n = X.rows;
    if (n === 0) throw invalid('cannot train on an empty training set (0 rows)');
    const { A, d } = design(X);
    const K = info.task === 'multiclass' ? info.nClasses : 1;
    if (info.task === 'regression') {
      if (params.l1Ratio === 0) return fitted(ridge(A, y, n, d, params.alpha), info.task, 1, d);
      const penalized = new Uint8Array(d).fill(1);
      penalized[d - 1] = 0;
      const w = fista(squaredObjective(A, y, n, d, params.alpha * (1 - params.l1Ratio)), new Float64Array(d), params.alpha * params.l1Ratio, penalized, params.maxIter * 5, 1e-7, info.deadline);
      return fitted(w, info.task, 1, d);
    }
    // scikit-learn: C * sum(loss) + penalty; divided by C n to keep the scale of a mean loss
    const scale = 1 / (params.C * n);
    const W0 = new Float64Array(K * d);
    // tolerance on the mean loss's largest gradient component, as scikit-learn's lbfgs (tol=1e-4)
    if (params.l1Ratio === 0) return fitted(lbfgs(logisticObjective(A, y, n, d, K, scale), W0, params.maxIter, 1e-4, info.deadline), info.task, info.nClasses, d);
    const penalized = new Uint8Array(K * d).fill(1);
    for (let k = 0; k < K; k++) penalized[k * d + d - 1] = 0;
    const W = fista(logisticObjective(A, y, n, d, K, scale * (1 - params.l1Ratio)), W0, scale * params.l1Ratio, penalized, params.maxIter * 5, 1e-7, info.deadline);
    return fitted(W, info.task, info.nClasses, d);
  },
  load(meta, arrays, nFeatures, info) {
    const W = arrays['linear.weights'];
    const d = Number(meta.width);
    const outputs = Number(meta.outputs);
    if (!(W instanceof Float64Array) || d !== nFeatures + 1 || W.length !== outputs * d) throw invalid('model bundle: linear weights do not match the encoded width');
    return fitted(W, info.task, info.nClasses, d);
  },
};
