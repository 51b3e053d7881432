import type { Worker } from 'node:worker_threads';
import { CapstanError } from '../../core/errors.ts';
import { siblingModule, startThread } from '../../threads/pool.ts';
import type { ArenaLayout, ArenaViews } from './arena-layout.ts';
import { runPart, type Op } from './arena-ops.ts';
import type { ArenaKernels } from './wasm-kernels.ts';

/**
 * Control words of one helper (16 int32s, then 8 doubles: 4 arguments and 3 results), on their own cache lines: a pass's
 * segments (1 or 2) and their ranges [from, to) at `ranges`; `claim`: the last pass whose share someone took (the helper, or
 * the calling thread where the helper had not started it).
 */
export const CTRL = { seq: 0, done: 1, op: 2, ready: 3, ints: 4, failed: 8, segments: 9, ranges: 10, claim: 14 } as const;
export const CTRL_BYTES = 128;
/** the double (of the 8 after the control words) where a helper leaves how long its share of the last pass took, in ms */
export const BUSY = 7;
/** the op that tells a helper to end */
export const STOP = -1;
/** a helper that answers nothing for this long has died */
const STALL_MS = 120_000;
/** how long a thread spins for a pass (or its end) before it sleeps */
export const SPIN_MS = 2;
/** how long a new team waits for its helpers to start (past it, shards of those not started run on the calling thread) */
const START_MS = 30_000;

/** a pass without arguments (one array type per argument: a pass called with several is deoptimised, and compiled again) */
const NO_INTS: readonly number[] = [];
const NO_NUMS = new Float64Array(0);

export interface TeamPayload {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  layout: ArenaLayout;
  ctrl: SharedArrayBuffer;
  part: number;
}

/**
 * Helper threads that share a boosting round's per-row passes with the calling thread (arena-ops.ts). Each helper runs the
 * arena's module on the same shared memory and works on its own shard of rows. A pass blocks the caller until every shard is
 * done (the grower is a synchronous loop), synchronised with Atomics. A helper that has not started is not given its shard (the
 * caller runs it): the answer is the same either way.
 */
export class ArenaTeam {
  private readonly workers: Worker[] = [];
  private readonly ctrl: Int32Array[] = [];
  private readonly nums: Float64Array[] = [];
  /** each helper's results (views on its control words), and the results of shards run here */
  private readonly results: Float64Array[] = [];
  private readonly local: Float64Array[];
  /** whether shard p's share of the last pass ran on its helper (else here) */
  readonly helped: Uint8Array;
  /** milliseconds each shard's passes took (on whichever thread ran them) since the caller last reset it */
  readonly busy: Float64Array;
  private seq = 0;
  private waited = false;

  constructor(private readonly k: ArenaKernels, private readonly v: ArenaViews, private readonly L: ArenaLayout, module: WebAssembly.Module, memory: WebAssembly.Memory) {
    const helpers = L.parts - 1;
    const sab = new SharedArrayBuffer(Math.max(1, CTRL_BYTES * helpers));
    this.local = Array.from({ length: L.parts }, () => new Float64Array(3));
    this.helped = new Uint8Array(L.parts);
    this.busy = new Float64Array(L.parts);
    for (let h = 0; h < helpers; h++) {
      this.ctrl.push(new Int32Array(sab, h * CTRL_BYTES, 16));
      this.nums.push(new Float64Array(sab, h * CTRL_BYTES + 64, 8));
      this.results.push(this.nums[h].subarray(4, 7));
      const payload: TeamPayload = { module, memory, layout: L, ctrl: sab, part: h + 1 };
      const w = startThread(siblingModule(import.meta.url, './arena-worker'), payload);
      // a helper that fails to start is never marked ready, so it is never given a share
      w.on('error', () => undefined);
      w.unref();
      this.workers.push(w);
    }
  }

  /**
   * Wait (bounded) until the helpers listen, once, at the first pass: they boot in parallel with whatever the caller does
   * meanwhile (the binning of the features), and a fit's passes are shared from its first tree on.
   */
  private awaitHelpers(): void {
    this.waited = true;
    const until = Date.now() + START_MS;
    for (const c of this.ctrl) while (Atomics.load(c, CTRL.ready) === 0 && Date.now() < until) Atomics.wait(c, CTRL.ready, 0, 50);
  }

  /** How many helpers have started (each takes its shard from then on). */
  started(): number {
    return this.ctrl.filter((c) => Atomics.load(c, CTRL.ready) === 1).length;
  }

  /** The results of shard p's share of the last pass. */
  out(p: number): Float64Array {
    return this.helped[p] ? this.results[p - 1] : this.local[p];
  }

  /**
   * Run `op` shard by shard over ranges [ranges[2s], ranges[2s + 1]) of segments s: one per shard (s = p), or two (training
   * rows s = p, held-out rows s = parts + p). Shards whose helper has started run there, the rest here after shard 0; so does
   * a helper's share that it has not taken by the time shard 0 is done. (A helper off its core, behind a compiler or collector
   * thread on two cores, took 3-8 ms to start a pass, some 40 times in a fit: its share takes a tenth of that here.)
   */
  run(op: Op, ranges: Int32Array, ints: readonly number[] = NO_INTS, nums: Float64Array = NO_NUMS): void {
    const parts = this.L.parts;
    const segments = ranges.length / (2 * parts);
    if (!this.waited) this.awaitHelpers();
    const seq = ++this.seq;
    for (let p = 1; p < parts; p++) {
      const go = Atomics.load(this.ctrl[p - 1], CTRL.ready) === 1;
      this.helped[p] = go ? 1 : 0;
      if (go) this.give(p, seq, op, ranges, segments, ints, nums);
    }
    for (let p = 0; p < parts; p++) if (!this.helped[p]) this.runHere(p, op, ranges, segments, ints, nums);
    for (let p = 1; p < parts; p++) {
      if (!this.helped[p]) continue;
      if (this.take(p, seq)) {
        this.helped[p] = 0;
        this.runHere(p, op, ranges, segments, ints, nums);
      } else this.collect(p, seq);
    }
  }

  /** Run shard p's share of a pass on this thread. */
  private runHere(p: number, op: Op, ranges: Int32Array, segments: number, ints: readonly number[], nums: Float64Array): void {
    const parts = this.L.parts;
    const t0 = performance.now();
    for (let g = 0; g < segments; g++) runPart(this.k, this.v, this.L, op, p, false, g, ranges[2 * (g * parts + p)], ranges[2 * (g * parts + p) + 1], ints, nums, this.local[p]);
    this.busy[p] += performance.now() - t0;
  }

  /** Take pass `seq`'s share from helper p if it has not taken it yet (it then skips the pass); whether this thread has it. */
  private take(p: number, seq: number): boolean {
    const c = this.ctrl[p - 1];
    const claimed = Atomics.load(c, CTRL.claim);
    return claimed !== seq && Atomics.compareExchange(c, CTRL.claim, claimed, seq) === claimed;
  }

  /** Post pass `seq` (shard p's share of `op`) to helper p. */
  private give(p: number, seq: number, op: Op, ranges: Int32Array, segments: number, ints: readonly number[], nums: Float64Array): void {
    const parts = this.L.parts;
    const c = this.ctrl[p - 1];
    c[CTRL.op] = op;
    c[CTRL.segments] = segments;
    for (let g = 0; g < segments; g++) {
      c[CTRL.ranges + 2 * g] = ranges[2 * (g * parts + p)];
      c[CTRL.ranges + 2 * g + 1] = ranges[2 * (g * parts + p) + 1];
    }
    for (let i = 0; i < 4; i++) c[CTRL.ints + i] = ints[i] ?? 0;
    const d = this.nums[p - 1];
    for (let i = 0; i < 4; i++) d[i] = nums[i] ?? 0;
    Atomics.store(c, CTRL.seq, seq);
    Atomics.notify(c, CTRL.seq);
  }

  /**
   * Wait until helper p has done pass `seq`. Its share takes about as long as ours, so it is done or nearly: spin (waking
   * from a sleep costs tens of microseconds, and a tree makes a hundred passes), and sleep in short bounded waits only past
   * SPIN_MS. (A method of its own: a spin loop inside run() had the whole of run() compiled on it, then deoptimised.)
   */
  private collect(p: number, seq: number): void {
    const c = this.ctrl[p - 1];
    const since = performance.now();
    for (let spin = 0; Atomics.load(c, CTRL.done) !== seq; spin++) {
      if ((spin & 1023) !== 0 || performance.now() - since < SPIN_MS) continue;
      Atomics.wait(c, CTRL.done, Atomics.load(c, CTRL.done), 1);
      if (performance.now() - since > STALL_MS) throw new CapstanError('INTERNAL', 'a gradient boosting helper thread stopped answering');
    }
    if (c[CTRL.failed] !== 0) throw new CapstanError('INTERNAL', 'a gradient boosting helper thread failed');
    this.busy[p] += this.nums[p - 1][BUSY];
  }

  close(): void {
    for (const c of this.ctrl) {
      c[CTRL.op] = STOP;
      Atomics.store(c, CTRL.seq, ++this.seq);
      Atomics.notify(c, CTRL.seq);
    }
    for (const w of this.workers) void w.terminate();
  }
}
