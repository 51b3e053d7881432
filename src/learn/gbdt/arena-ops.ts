import type { ArenaLayout, ArenaViews } from './arena-layout.ts';
import { gradients, losses, softmax, TASK_CODE } from './loss.ts';
import type { ArenaKernels } from './wasm-kernels.ts';

/**
 * The per-row passes of a boosting round, each run shard by shard (arena-layout.ts): the calling thread runs shard 0 and each
 * helper thread its own shard, on the same memory. Every pass gives the same answer however shards are shared among threads:
 * histograms and quantised sums add exact integers, maxima and partitions do not depend on order, the rest work row by row.
 */
export const OP = { hist: 1, partition: 2, maxima: 3, quantize: 4, gradients: 5, softmax: 6, addLeaves: 7, loss: 8 } as const;
export type Op = (typeof OP)[keyof typeof OP];

/**
 * Run shard `part`'s share of an operation over [from, to) (rows, or positions in the row order): of its training rows
 * (`seg` 0) or of its held-out rows (`seg` 1; partitions and score updates only). `ints`/`nums` are its arguments, `out` its
 * results. A helper (`helper`) builds histograms into its own buffer, which the caller then adds.
 */
export function runPart(k: ArenaKernels, v: ArenaViews, L: ArenaLayout, op: Op, part: number, helper: boolean, seg: number, from: number, to: number, ints: ArrayLike<number>, nums: ArrayLike<number>, out: Float64Array): void {
  const idxAt = L.idx + 4 * from;
  switch (op) {
    case OP.hist: {
      let target = ints[0];
      if (helper) {
        const own = v.partHists[part - 1];
        own.fill(0);
        target = own.byteOffset;
      }
      (L.slot === 1 ? k.hist : k.hist2)(target, L.bins, L.F, L.packed, L.idx, from, to);
      return;
    }
    case OP.partition: {
      // stable, in place: left rows to the front, right rows through tmp to the back
      const mid = k.partition(L.bins, L.F, ints[0], L.lut, L.idx, L.tmp + 4 * from, from, to);
      v.idx.set(v.tmp.subarray(from, from + to - mid), mid);
      out[seg] = mid;
      return;
    }
    case OP.maxima:
      k.maxima(L.gh, idxAt, to - from, L.scratch + 16 * part);
      out[0] = v.scratch[2 * part];
      out[1] = v.scratch[2 * part + 1];
      return;
    case OP.quantize:
      out[0] = k.quantize(L.gh, idxAt, L.dither, L.packed, to - from, nums[0], nums[1], nums[2], nums[3]);
      return;
    case OP.gradients:
      if (ints[0] === TASK_CODE.binary) k.logistic(L.raw, L.y, L.gh, from, to);
      else gradients(ints[0], v.y, v.raw, v.prob, ints[1], ints[2], v.gh, from, to);
      return;
    case OP.softmax:
      softmax(v.raw, ints[0], v.prob, from, to);
      return;
    case OP.addLeaves: {
      const [count, output, outputs] = [ints[0], ints[1], ints[2]];
      const segment = part + seg * L.parts;
      for (let j = 0; j < count; j++) {
        const at = 2 * (j * 2 * L.parts + segment);
        k.addLeaf(L.scores + 8 * output, L.idx, v.leafRanges[at], v.leafRanges[at + 1], 8 * outputs, v.leafValues[j]);
      }
      return;
    }
    case OP.loss:
      if (ints[0] === TASK_CODE.binary) k.logLoss(L.raw, L.y, L.loss, from, to, L.rows);
      else losses(ints[0], v.y, v.raw, ints[1], v.loss, L.rows, from, to);
      return;
  }
}
