import { Worker } from 'node:worker_threads';
import { CapstanError } from '../../core/errors.ts';
import { buildHistogram, CTRL, type HelperBuffers } from './histogram.ts';
import { siblingModule, startThread } from '../../threads/pool.ts';

/** below this many rows a node's histogram is built on one thread: waking the helper costs more than it saves */
const MIN_PARALLEL_ROWS = 2048;

/**
 * Builds large histograms on two threads: the helper thread scans the second half of a node's rows into its own shared
 * histogram while this thread scans the first half, then the halves are added. Synchronised with Atomics on shared memory
 * (this thread blocks only while the helper finishes its half), so growing a tree stays a synchronous loop.
 */
export class ParallelHistogram {
  private readonly worker: Worker;
  private readonly b: HelperBuffers;
  private seq = 0;

  constructor(bins: Uint8Array, rows: number, F: number, slot: number) {
    const sab = (bytes: number) => new SharedArrayBuffer(Math.max(8, bytes));
    const sharedBins = new Uint8Array(sab(bins.length));
    sharedBins.set(bins);
    this.b = {
      bins: sharedBins,
      packed: new Float64Array(sab(rows * 8)),
      idx: new Uint32Array(sab(rows * 4)),
      features: new Int32Array(sab(F * 4)),
      hist: new Float64Array(sab(F * 256 * slot * 8)),
      ctrl: new Int32Array(sab(8 * 4)),
      F,
      slot,
    };
    this.worker = startThread(siblingModule(import.meta.url, './hist-worker'), this.b);
    this.worker.unref();
    // the helper boots in its own thread; block (bounded) until it listens
    if (Atomics.wait(this.b.ctrl, CTRL.ready, 0, 30_000) === 'timed-out' && Atomics.load(this.b.ctrl, CTRL.ready) === 0) {
      void this.worker.terminate();
      throw new CapstanError('INTERNAL', 'histogram helper thread did not start');
    }
  }

  /** Shared arrays the grower must write its row order and packed gradients into. */
  get idx(): Uint32Array {
    return this.b.idx;
  }

  get packed(): Float64Array {
    return this.b.packed;
  }

  build(hist: Float64Array, start: number, end: number, features: Int32Array): void {
    const { b } = this;
    const nf = features.length;
    if (end - start < MIN_PARALLEL_ROWS) {
      buildHistogram(hist, b.bins, b.F, b.packed, b.idx, start, end, features, nf, b.slot);
      return;
    }
    b.features.set(features);
    const mid = start + ((end - start) >>> 1);
    const ctrl = b.ctrl;
    ctrl[CTRL.start] = mid;
    ctrl[CTRL.end] = end;
    ctrl[CTRL.nf] = nf;
    const seq = ++this.seq;
    Atomics.store(ctrl, CTRL.seq, seq);
    Atomics.notify(ctrl, CTRL.seq);
    buildHistogram(hist, b.bins, b.F, b.packed, b.idx, start, mid, features, nf, b.slot);
    // the helper's half takes about as long as ours, so it is usually done or nearly: spin briefly, then sleep in short waits
    // (short, because wake-ups were seen to be missed here, stalling a fit for a whole timeout)
    for (let spin = 0; Atomics.load(ctrl, CTRL.done) !== seq; spin++) {
      if (spin > 1000) Atomics.wait(ctrl, CTRL.done, Atomics.load(ctrl, CTRL.done), 1);
    }
    const stride = 256 * b.slot;
    for (let j = 0; j < nf; j++) {
      const base = features[j] * stride;
      for (let s = base; s < base + stride; s++) hist[s] += b.hist[s];
    }
  }

  close(): void {
    Atomics.store(this.b.ctrl, CTRL.stop, 1);
    Atomics.store(this.b.ctrl, CTRL.seq, ++this.seq);
    Atomics.notify(this.b.ctrl, CTRL.seq);
    void this.worker.terminate();
  }
}
