/**
 * The per-row passes of a boosting round that run in JavaScript (they need Math.exp), over rows [from, to) so the grower's
 * helper threads can each take a share: the same code on every thread, so the result does not depend on how rows are shared.
 */

import { expLike } from '../wasm/exp.ts';
import { log1pLike } from '../wasm/log1p.ts';

/** A task as a number, for the helper threads' control words. */
export const TASK_CODE = { regression: 0, binary: 1, multiclass: 2 } as const;

/** Softmax of the raw scores, once per boosting round (not once per class: that would be K times the work). */
export function softmax(raw: Float64Array, K: number, prob: Float64Array, from: number, to: number): void {
  for (let o = from * K; o < to * K; o += K) {
    let max = -Infinity;
    for (let c = 0; c < K; c++) if (raw[o + c] > max) max = raw[o + c];
    let sum = 0;
    for (let c = 0; c < K; c++) sum += prob[o + c] = Math.exp(raw[o + c] - max);
    for (let c = 0; c < K; c++) prob[o + c] /= sum;
  }
}

/**
 * Gradients and hessians of the loss for output k, interleaved into gh (multiclass reads the round's softmax from prob). The
 * binary loss's exp is expLike, the arena's `logistic` kernel's in JavaScript, so both give the same trees.
 */
export function gradients(task: number, y: Float64Array, raw: Float64Array, prob: Float64Array, K: number, k: number, gh: Float64Array, from: number, to: number): void {
  if (task === TASK_CODE.regression) {
    for (let i = from; i < to; i++) {
      gh[2 * i] = raw[i] - y[i];
      gh[2 * i + 1] = 1;
    }
  } else if (task === TASK_CODE.binary) {
    for (let i = from; i < to; i++) {
      const p = 1 / (1 + expLike(-raw[i]));
      gh[2 * i] = p - y[i];
      gh[2 * i + 1] = Math.max(p * (1 - p), 1e-16);
    }
  } else {
    for (let i = from; i < to; i++) {
      const p = prob[i * K + k];
      gh[2 * i] = p - (y[i] === k ? 1 : 0);
      gh[2 * i + 1] = Math.max(p * (1 - p), 1e-16);
    }
  }
}

/**
 * Each row's loss for rows [from, to), into loss[row - first]: squared error, log-loss (binary) or cross-entropy (multiclass,
 * raw scores K per row). The caller sums them in row order, so the total does not depend on how rows were shared.
 */
export function losses(task: number, y: Float64Array, raw: Float64Array, K: number, loss: Float64Array, first: number, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    if (task === TASK_CODE.regression) loss[i - first] = (raw[i] - y[i]) ** 2;
    else if (task === TASK_CODE.binary) {
      // -log p(y): log(1 + exp(t)) with t = -raw for y = 1 and raw for y = 0, as max(t, 0) + log(1 + exp(-|t|)) so exp never
      // overflows; with expLike and log1pLike, the arena's logLoss kernel in JavaScript
      const t = y[i] === 1 ? -raw[i] : raw[i];
      loss[i - first] = Math.max(t, 0) + log1pLike(expLike(-Math.abs(t)));
    } else {
      let max = -Infinity;
      for (let k = 0; k < K; k++) max = Math.max(max, raw[i * K + k]);
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(raw[i * K + k] - max);
      loss[i - first] = -(raw[i * K + y[i]] - max - Math.log(z));
    }
  }
}
