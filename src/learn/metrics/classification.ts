/**
 * ROC AUC by the rank statistic (Mann-Whitney U), ties given their average rank, as scikit-learn computes it.
 * `y` holds 0/1, `score` the probability (or any monotone score) of class 1.
 */
export function rocAuc(y: ArrayLike<number>, score: ArrayLike<number>): number {
  const n = y.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a] - score[b]);
  let pos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && score[order[j + 1]] === score[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (y[order[k]] === 1) {
        pos++;
        rankSumPos += avgRank;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Share of rows whose predicted class index equals the true one. */
export function accuracy(y: ArrayLike<number>, predicted: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === predicted[i]) ok++;
  return y.length === 0 ? NaN : ok / y.length;
}

/** Mean negative log-likelihood; `proba` is row-major rows x classes, clipped at 1e-15 like scikit-learn. */
export function logLoss(y: ArrayLike<number>, proba: Float64Array, nClasses: number): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s -= Math.log(Math.min(1 - 1e-15, Math.max(1e-15, proba[i * nClasses + y[i]])));
  return s / y.length;
}

/** counts[true][predicted] */
export function confusionMatrix(y: ArrayLike<number>, predicted: ArrayLike<number>, nClasses: number): number[][] {
  const m = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  for (let i = 0; i < y.length; i++) m[y[i]][predicted[i]]++;
  return m;
}

/** Average precision (area under the precision-recall curve, scikit-learn's average_precision_score). */
export function prAuc(y: ArrayLike<number>, score: ArrayLike<number>): number {
  const n = y.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[b] - score[a]);
  let positives = 0;
  for (let i = 0; i < n; i++) if (y[i] === 1) positives++;
  if (positives === 0) return NaN;
  let tp = 0;
  let fp = 0;
  let prevRecall = 0;
  let ap = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j < n && score[order[j]] === score[order[i]]) {
      if (y[order[j]] === 1) tp++;
      else fp++;
      j++;
    }
    const recall = tp / positives;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
    i = j;
  }
  return ap;
}

/** Precision, recall and F1 per class (one-vs-rest), from true and predicted class indices. */
export function perClass(y: ArrayLike<number>, predicted: ArrayLike<number>, nClasses: number): { precision: number[]; recall: number[]; f1: number[] } {
  const tp = new Float64Array(nClasses);
  const fp = new Float64Array(nClasses);
  const fn = new Float64Array(nClasses);
  for (let i = 0; i < y.length; i++) {
    if (y[i] === predicted[i]) tp[y[i]]++;
    else {
      fp[predicted[i]]++;
      fn[y[i]]++;
    }
  }
  const precision = Array.from(tp, (t, c) => (t + fp[c] > 0 ? t / (t + fp[c]) : 0));
  const recall = Array.from(tp, (t, c) => (t + fn[c] > 0 ? t / (t + fn[c]) : 0));
  const f1 = precision.map((p, c) => (p + recall[c] > 0 ? (2 * p * recall[c]) / (p + recall[c]) : 0));
  return { precision, recall, f1 };
}

/** Mean of per-class recall (scikit-learn's balanced_accuracy_score). */
export function balancedAccuracy(y: ArrayLike<number>, predicted: ArrayLike<number>, nClasses: number): number {
  const counts = new Float64Array(nClasses);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  const { recall } = perClass(y, predicted, nClasses);
  const present = recall.filter((_, c) => counts[c] > 0);
  return present.reduce((a, b) => a + b, 0) / present.length;
}
