import { workerData } from 'node:worker_threads';
import { buildHistogram, CTRL, type HelperBuffers } from './histogram.ts';

// The grower's helper: waits for a job (a row range), builds that part of a histogram into its own shared buffer, signals.
const b = (workerData as { payload: HelperBuffers }).payload;
const { ctrl } = b;
let seen = 0;
Atomics.store(ctrl, CTRL.ready, 1);
Atomics.notify(ctrl, CTRL.ready);
for (;;) {
  // bounded waits: a missed wake-up costs at most 5 ms, never a stall
  while (Atomics.load(ctrl, CTRL.seq) === seen) Atomics.wait(ctrl, CTRL.seq, seen, 5);
  if (Atomics.load(ctrl, CTRL.stop) === 1) break;
  seen = Atomics.load(ctrl, CTRL.seq);
  const nf = ctrl[CTRL.nf];
  const stride = 256 * b.slot;
  for (let j = 0; j < nf; j++) b.hist.fill(0, b.features[j] * stride, b.features[j] * stride + stride);
  buildHistogram(b.hist, b.bins, b.F, b.packed, b.idx, ctrl[CTRL.start], ctrl[CTRL.end], b.features, nf, b.slot);
  Atomics.store(ctrl, CTRL.done, seen);
  Atomics.notify(ctrl, CTRL.done);
}
