import { arenaLayout, arenaViews, type ArenaLayout, type ArenaViews } from './arena-layout.ts';
import { OP } from './arena-ops.ts';
import { ArenaTeam } from './arena-team.ts';
import { arenaKernels, arenaModule, type ArenaKernels } from './wasm-kernels.ts';

/** Largest arena made; past it the grower runs its JavaScript kernels (tests lower it to exercise them). */
export const ARENA_BUDGET = { bytes: 1 << 30 };

/**
 * Fewest rows per shard: smaller data takes fewer threads. Every pass of a leaf, however small, is shared among the threads:
 * a shard's rows were last written (partitioned, quantised) by its own thread, and this thread reading another's shard from
 * that core's cache made the histograms of small leaves slower than waking the helper (1 100 leaves under 4 096 rows of
 * a 200 000-row fit on two threads: 145 ms here alone, 55 ms shared).
 */
export const MIN_SHARD_ROWS = 4096;
/** milliseconds of measured passes after which the shards' cuts are moved to the threads' speeds */
const REBALANCE_MS = 50;

/**
 * A leaf's rows: its range [starts[s], ends[s]) of the row order in each segment s: training rows in shards 0..parts - 1
 * and, for a tree's leaves, held-out rows in segments parts..2 parts - 1 (arena-layout.ts).
 */
export interface ShardRanges {
  starts: Int32Array;
  ends: Int32Array;
}

/**
 * The grower's arrays in one shared WebAssembly memory, so the per-row loops of a boosting round (histograms, partitions,
 * gradients, their quantisation, leaf sums and score updates) run without bounds checks, and with `threads` > 1 on helper
 * threads too, each on its own shard of rows (arena-layout.ts, arena-team.ts): row-major bins, packed gradients, exact
 * gradients (g, h interleaved), raw scores (`outputs` per row), the target, per-row dither, the row order and a fixed set of
 * histograms. Trees do not depend on the thread count.
 */
export class HistogramArena {
  readonly bins: Uint8Array;
  readonly packed: Float64Array;
  readonly gh: Float64Array;
  readonly scores: Float64Array;
  /** the raw scores gradients read: `scores` itself with one output; with several, a round's trees add to scores first */
  readonly raw: Float64Array;
  readonly prob: Float64Array;
  readonly y: Float64Array;
  readonly dither: Float64Array;
  readonly idx: Uint32Array;
  readonly hists: Float64Array[];
  readonly parts: number;
  private readonly v: ArenaViews;
  private readonly k: ArenaKernels;
  private readonly team: ArenaTeam;
  private readonly buffer: ArrayBufferLike;
  /**
   * each shard's training rows [shards[p], shards[p + 1]), the rows of this tree (setRows) at the front of them, every
   * segment (held-out rows too) and the held-out rows alone
   */
  private readonly rowRanges: Int32Array;
  private readonly bagRanges: Int32Array;
  private readonly segmentRanges: Int32Array;
  private readonly validRanges: Int32Array;
  private readonly ranges: Int32Array;
  /**
   * where each segment's rows start in the row order (segment s: [shards[s], shards[s + 1])); the training shards' cuts move
   * between trees (rebalance)
   */
  private readonly shards: Int32Array;
  private readonly args = new Float64Array(4);
  private readonly identity: Uint32Array;

  private constructor(private readonly L: ArenaLayout) {
    const module = arenaModule(L.F);
    const pages = Math.ceil(L.total / 65536) + 1;
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    this.k = arenaKernels(module, memory);
    const v = (this.v = arenaViews((this.buffer = memory.buffer), L));
    ({ bins: this.bins, packed: this.packed, gh: this.gh, scores: this.scores, raw: this.raw, prob: this.prob, y: this.y } = v);
    ({ dither: this.dither, idx: this.idx, hists: this.hists } = v);
    this.parts = L.parts;
    this.shards = Int32Array.from(L.shards);
    this.identity = new Uint32Array(L.rows + L.valid);
    for (let r = 0; r < this.identity.length; r++) this.identity[r] = r;
    this.segmentRanges = new Int32Array(4 * L.parts);
    this.rowRanges = new Int32Array(2 * L.parts);
    this.cutsChanged();
    this.validRanges = this.segmentRanges.slice(2 * L.parts);
    this.bagRanges = this.rowRanges.slice();
    this.ranges = new Int32Array(4 * L.parts);
    this.team = new ArenaTeam(this.k, v, L, module, memory);
  }

  /**
   * An arena for this many rows, histograms and raw scores per row, sharing its passes among `threads` threads, or null where
   * WebAssembly or the memory budget says no.
   */
  static create(bins: Uint8Array, rows: number, F: number, histograms: number, slot: 1 | 2 = 1, outputs = 1, threads = 1, valid = 0): HistogramArena | null {
    const arena = HistogramArena.start(rows, F, histograms, slot, outputs, threads, valid);
    arena?.bins.set(bins);
    return arena;
  }

  /**
   * The same before the bins are known (fill `bins` before the first pass): its helper threads start now and boot while the
   * caller bins the features. `valid` held-out rows follow the training rows (bins, scores, target).
   */
  static start(rows: number, F: number, histograms: number, slot: 1 | 2 = 1, outputs = 1, threads = 1, valid = 0): HistogramArena | null {
    const layout = arenaLayout(rows, F, histograms, slot, outputs, Math.max(1, Math.min(threads, Math.floor(rows / MIN_SHARD_ROWS))), valid);
    if (typeof WebAssembly !== 'object' || layout.total > ARENA_BUDGET.bytes) return null;
    return new HistogramArena(layout);
  }

  /** Whether an array lives in this arena (only those can be worked on here). */
  owns(array: ArrayBufferView): boolean {
    return array.buffer === this.buffer;
  }

  /**
   * The rows the next tree grows on (all, or those marked in `inBag`), in row order at the front of each shard, and every
   * held-out row; returns how many training rows, and the ranges all take (the root's rows).
   */
  setRows(inBag: Uint8Array | null, root: ShardRanges): number {
    this.rebalance();
    const { idx, L, shards } = this;
    let n = 0;
    // every row: a copy of 0, 1, 2, ... (a loop writing them cost 0.4 ms a tree)
    idx.set(this.identity.subarray(L.rows), L.rows);
    for (let p = 0; p < L.parts; p++) {
      root.starts[L.parts + p] = shards[L.parts + p];
      root.ends[L.parts + p] = shards[L.parts + p + 1];
      let at = shards[p];
      if (inBag === null) {
        idx.set(this.identity.subarray(shards[p], shards[p + 1]), at);
        at = shards[p + 1];
      } else for (let r = shards[p]; r < shards[p + 1]; r++) if (inBag[r] === 1) idx[at++] = r;
      root.starts[p] = this.bagRanges[2 * p] = shards[p];
      root.ends[p] = this.bagRanges[2 * p + 1] = at;
      n += at - shards[p];
    }
    return n;
  }

  /**
   * Move the cuts between the training shards so each thread's share of rows follows its measured speed: two cores of one
   * machine need not run alike (here one took 13% longer over the same loop, the one taking the disk's interrupts), and with
   * even shares the faster thread waited at every pass. Only where rows are kept changes, so the trees do not (every pass's
   * answer is the same however rows are shared).
   */
  private rebalance(): void {
    const { busy } = this.team;
    const P = this.L.parts;
    const { shards } = this;
    let total = 0;
    for (let p = 0; p < P; p++) total += busy[p];
    // a few trees' worth of passes, measured on every shard
    if (P === 1 || total < REBALANCE_MS || busy.some((b) => b <= 0)) return;
    const speed = Array.from(busy, (b, p) => (shards[p + 1] - shards[p]) / b);
    const sum = speed.reduce((a, b) => a + b, 0);
    const rows = this.L.rows;
    // halfway from the current cut to the measured one (a single noisy measure moves it by half), on whole cache lines
    let before = 0;
    for (let p = 1; p < P; p++) {
      before += speed[p - 1] / sum;
      const target = Math.round(((shards[p] + rows * before) / 2) / 16) * 16;
      shards[p] = Math.max(shards[p - 1] + MIN_SHARD_ROWS / 2, Math.min(rows - (P - p) * (MIN_SHARD_ROWS / 2), target));
    }
    busy.fill(0);
    this.cutsChanged();
  }

  private cutsChanged(): void {
    const { shards, segmentRanges, rowRanges } = this;
    for (let s = 0; s < 2 * this.L.parts; s++) [segmentRanges[2 * s], segmentRanges[2 * s + 1]] = [shards[s], shards[s + 1]];
    rowRanges.set(segmentRanges.subarray(0, rowRanges.length));
  }

  /** A leaf's ranges in its first `segments` segments. */
  private rangesOf(leaf: ShardRanges, segments: number): Int32Array {
    for (let s = 0; s < segments; s++) {
      this.ranges[2 * s] = leaf.starts[s];
      this.ranges[2 * s + 1] = leaf.ends[s];
    }
    return this.ranges.subarray(0, 2 * segments);
  }

  /**
   * Stable in-place partition of a leaf's rows, held-out rows too, by table[bin of feature f] (1 = left); each segment's right
   * side starts at mids[s].
   */
  partition(f: number, table: Uint8Array, leaf: ShardRanges, mids: Int32Array): void {
    const P = this.L.parts;
    this.v.lut.set(table);
    this.team.run(OP.partition, this.rangesOf(leaf, 2 * P), [f]);
    for (let p = 0; p < P; p++) [mids[p], mids[P + p]] = [this.team.out(p)[0], this.team.out(p)[1]];
  }

  /** hist[f * 256 + bin] += packed[row] (with slots of two: and the bin's row count += 1) for every feature of a leaf's training rows. */
  build(hist: Float64Array, leaf: ShardRanges): void {
    this.team.run(OP.hist, this.rangesOf(leaf, this.L.parts), [hist.byteOffset]);
    for (let p = 1; p < this.L.parts; p++) if (this.team.helped[p]) this.k.add(hist.byteOffset, this.v.partHists[p - 1].byteOffset, hist.length);
  }

  /** [max |g|, max h] over the tree's rows. */
  maxima(): [number, number] {
    this.team.run(OP.maxima, this.bagRanges);
    let g = 0;
    let h = 0;
    for (let p = 0; p < this.L.parts; p++) {
      g = Math.max(g, this.team.out(p)[0]);
      h = Math.max(h, this.team.out(p)[1]);
    }
    return [g, h];
  }

  /** packed[r] = floor(g * invG + u) * shift + floor(h * invH + 1 - u), u = (dither[r] + rot) mod 1, for the tree's rows; returns their sum. */
  quantize(rot: number, invG: number, invH: number, shift: number): number {
    const a = this.args;
    [a[0], a[1], a[2], a[3]] = [rot, invG, invH, shift];
    this.team.run(OP.quantize, this.bagRanges, [], a);
    // the shards' sums are exact integers, so their total does not depend on how rows were shared
    let total = 0;
    for (let p = 0; p < this.L.parts; p++) total += this.team.out(p)[0];
    return total;
  }

  /** Gradients and hessians of every row for output k (of K), from y and raw (and, for multiclass, prob). */
  gradients(task: number, K: number, k: number): void {
    this.team.run(OP.gradients, this.rowRanges, [task, K, k]);
  }

  /** prob = the softmax of raw, row by row. */
  softmax(K: number): void {
    this.team.run(OP.softmax, this.rowRanges, [K]);
  }

  /** [sum of g, sum of h] over a leaf's rows, added in row order here (a float sum depends on its order). */
  sums(leaf: ShardRanges): [number, number] {
    const { scratch } = this.v;
    scratch[0] = scratch[1] = 0;
    for (let p = 0; p < this.L.parts; p++) this.k.sums(this.L.gh, this.L.idx, leaf.starts[p], leaf.ends[p], this.L.scratch);
    return [scratch[0], scratch[1]];
  }

  /** scores[row * outputs + k] += the value of the leaf holding the row, for every leaf of a grown tree (held-out rows too). */
  addLeaves(leaves: (ShardRanges & { value: number })[], k: number, outputs: number): void {
    const { leafValues, leafRanges } = this.v;
    const S = 2 * this.L.parts;
    leaves.forEach((leaf, j) => {
      leafValues[j] = leaf.value;
      for (let s = 0; s < S; s++) {
        leafRanges[2 * (j * S + s)] = leaf.starts[s];
        leafRanges[2 * (j * S + s) + 1] = leaf.ends[s];
      }
    });
    this.team.run(OP.addLeaves, this.segmentRanges, [leaves.length, k, outputs]);
  }

  /** Each held-out row's loss (loss.ts's task codes, raw scores `outputs` per row), held-out row i at i. */
  validationLosses(task: number, outputs: number): Float64Array {
    this.team.run(OP.loss, this.validRanges, [task, outputs]);
    return this.v.loss;
  }

  /** parent[from..to) -= small[from..to) (two histograms of this arena). */
  subtract(parent: Float64Array, small: Float64Array, from: number, to: number): void {
    this.k.subtract(parent.byteOffset + 8 * from, small.byteOffset + 8 * from, to - from);
  }

  /** How many helper threads have started. */
  helpers(): number {
    return this.team.started();
  }

  /** Stop the helper threads, if any. */
  close(): void {
    this.team.close();
  }
}
