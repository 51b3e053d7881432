import type { Rng } from '../../core/random.ts';
import { MISSING_BIN, type BinMapper } from '../trees/binning.ts';
import { CategoricalSplitter } from './categorical-split.ts';
import type { GrowParams, Quantizer, Split } from './grow-types.ts';
import { buildHistogram } from './histogram.ts';
import { gradients, losses, softmax } from './loss.ts';
import { HistogramArena, type ShardRanges } from './wasm-hist.ts';
import type { BinTree } from '../trees/flatten.ts';

export type { BinTree, GrowParams };

/** A grown tree's leaf: its rows (ranges per segment of the row order) and its value, for addLeaves(). */
export type LeafRows = ShardRanges & { value: number };


const EMPTY = new Float64Array(0);
/** placeholder for a numeric split's bin table until the split wins */
const NUMERIC = new Uint8Array(0);
/** largest integer a double holds exactly is 2^53; keep a bit of margin */
const EXACT_BITS = 52;


interface Leaf {
  node: number;
  /** its range [starts[s], ends[s]) of the row order in each segment s (wasm-hist.ts), and its number of training rows */
  starts: Int32Array;
  ends: Int32Array;
  n: number;
  G: number;
  H: number;
  depth: number;
  hist: Float64Array;
  split: Split | null;
}


/** Doubles per histogram bin: the packed gradient sum, and the row count when leaves need a minimum of rows. */
function slotsOf(params: GrowParams): 1 | 2 {
  return params.minSamplesLeaf > 1 ? 2 : 1;
}

/**
 * The WebAssembly arena a grower with these parameters works in (null where WebAssembly or its memory budget says no). Made
 * before the features are binned, its helper threads boot meanwhile; the bins may be written straight into `arena.bins`.
 */
export function growerArena(rows: number, valid: number, F: number, params: GrowParams, outputs: number, threads: number): HistogramArena | null {
  return HistogramArena.start(rows, F, params.maxLeafNodes + 4, slotsOf(params), outputs, threads, valid);
}

/**
 * Grows one regression tree on gradients leaf-wise (best gain first) over binned features, the LightGBM / scikit-learn
 * HistGradientBoosting strategy. Rows are kept in `idx` with each leaf owning a contiguous range in each shard of rows
 * (one shard per thread, wasm-hist.ts), so a split is an in-place partition and a histogram is a scan of those ranges; the
 * larger child's histogram is parent minus smaller child. Held-out rows (early stopping) follow the splits too, in segments
 * of their own, and take their leaf's value with the training rows: no tree walk per row, and no histogram counts them.
 * A histogram slot is [packed g/h sum] or, when a minimum leaf size needs row counts, [packed sum, count].
 */
export class TreeGrower {
  /** the row order grow() permutes (each leaf's rows contiguous in each shard on return) */
  private readonly idx: Uint32Array;
  /** gradients and hessians per row, interleaved: gradients() writes them before each grow() */
  private readonly gh: Float64Array;
  /** raw scores, `outputs` per row: addLeaves() adds a tree's leaf values to them */
  readonly scores: Float64Array;
  /** the raw scores gradients() reads: `scores` with one output; with several, the caller adds a round's scores to it */
  readonly raw: Float64Array;
  /** the target (class index or value) per row, held-out rows after training rows: the caller writes it once */
  readonly y: Float64Array;
  private readonly prob: Float64Array;
  /** each held-out row's loss (JavaScript kernels; the arena keeps its own) */
  private readonly lossTerms: Float64Array;
  private readonly nFeatures: number;
  private readonly tmp: Uint32Array;
  private readonly packed: Float64Array;
  private readonly arena: HistogramArena | null;
  private readonly histPool: Float64Array[] = [];
  private readonly slot: number;
  private readonly stride: number;
  private q: Quantizer = { shift: 1, scaleG: 1, scaleH: 1 };
  private readonly categorical = new CategoricalSplitter();
  private dither: Float64Array = new Float64Array(0);
  private trees = 0;
  /** shards of rows (one per thread), the rows of the next tree in each (setRows) and how many they are */
  private readonly P: number;
  private readonly root: ShardRanges;
  private bagged = 0;

  constructor(
    /** row-major bins, nFeatures per row (histograms read a row's features together), held-out rows after training rows */
    private readonly bins: Uint8Array,
    private readonly mappers: BinMapper[],
    private readonly params: GrowParams,
    private readonly rows: number,
    /** held-out rows: their scores are kept (addLeaves) for validationLoss() */
    private readonly valid: number,
    private readonly outputs = 1,
    /** the arena the per-row passes run in, shared among its threads (growerArena), or null: JavaScript kernels here */
    arena: HistogramArena | null,
  ) {
    const all = rows + valid;
    this.nFeatures = mappers.length;
    this.tmp = new Uint32Array(all);
    this.slot = slotsOf(params);
    this.stride = 256 * this.slot;
    this.arena = arena;
    if (arena && arena.bins !== bins) arena.bins.set(bins);
    if (arena) this.histPool.push(...arena.hists);
    this.packed = arena ? arena.packed : new Float64Array(rows);
    this.idx = arena ? arena.idx : new Uint32Array(all);
    this.gh = arena ? arena.gh : new Float64Array(2 * rows);
    this.scores = arena ? arena.scores : new Float64Array(all * outputs);
    this.raw = arena ? arena.raw : outputs > 1 ? new Float64Array(all * outputs) : this.scores;
    this.prob = arena ? arena.prob : new Float64Array(outputs > 1 ? rows * outputs : 0);
    this.y = arena ? arena.y : new Float64Array(all);
    this.lossTerms = arena ? EMPTY : new Float64Array(valid);
    this.P = arena ? arena.parts : 1;
    this.root = { starts: new Int32Array(2 * this.P), ends: new Int32Array(2 * this.P) };
  }

  private takeHist(): Float64Array {
    const h = this.histPool.pop();
    if (h) {
      h.fill(0);
      return h;
    }
    return new Float64Array(this.nFeatures * this.stride);
  }

  /** The rows the next tree grows on: all, or those marked 1 in `inBag`; and every held-out row. Returns how many training rows. */
  setRows(inBag: Uint8Array | null): number {
    if (this.arena) return (this.bagged = this.arena.setRows(inBag, this.root));
    let n = 0;
    for (let r = 0; r < this.rows; r++) if (inBag === null || inBag[r] === 1) this.idx[n++] = r;
    for (let r = this.rows; r < this.rows + this.valid; r++) this.idx[r] = r;
    [this.root.starts[0], this.root.ends[0], this.root.starts[1], this.root.ends[1]] = [0, n, this.rows, this.rows + this.valid];
    return (this.bagged = n);
  }

  /** Quantise the gradients of the tree's rows into this.packed and return their packed sum; the bit budget leaves room for sums over all n rows. */
  private quantize(rng: Rng): number {
    const { idx, gh, arena } = this;
    const n = this.bagged;
    const rowBits = Math.ceil(Math.log2(n + 1));
    const avail = EXACT_BITS - 2 * rowBits;
    const gBits = Math.min(16, Math.floor(avail / 2));
    const hBits = Math.min(16, avail - gBits);
    if (gBits < 3 || hBits < 3) throw new Error(`gradient boosting quantises gradients for at most 2^${Math.floor((EXACT_BITS - 6) / 2)} rows per tree; got ${n}`);
    const gLevels = 2 ** (gBits - 1) - 1;
    const hLevels = 2 ** hBits - 1;
    let gMax = 0;
    let hMax = 0;
    if (arena) [gMax, hMax] = arena.maxima();
    else {
      for (let i = 0; i < n; i++) {
        const r = idx[i];
        gMax = Math.max(gMax, Math.abs(gh[2 * r]));
        hMax = Math.max(hMax, gh[2 * r + 1]);
      }
    }
    const scaleG = gMax > 0 ? gMax / gLevels : 1;
    const scaleH = hMax > 0 ? hMax / hLevels : 1;
    const shift = 2 ** (hBits + rowBits);
    const packed = this.packed;
    // stochastic rounding keeps every quantised sum unbiased; per-row uniforms drawn once, then rotated by an irrational
    // step each tree (cheaper than two generator calls per row per tree, and still uniform and seeded)
    if (this.dither.length === 0) {
      this.dither = arena ? arena.dither : new Float64Array(packed.length);
      for (let i = 0; i < this.dither.length; i++) this.dither[i] = rng.next();
    }
    const rot = (this.trees++ * 0.6180339887498949) % 1;
    const dither = this.dither;
    const invG = 1 / scaleG;
    const invH = 1 / scaleH;
    this.q = { shift, scaleG, scaleH };
    if (arena) return arena.quantize(rot, invG, invH, shift);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const r = idx[i];
      let u = dither[r] + rot;
      if (u >= 1) u -= 1;
      const gq = Math.floor(gh[2 * r] * invG + u);
      const hq = Math.floor(gh[2 * r + 1] * invH + (1 - u));
      total += packed[r] = gq * shift + hq;
    }
    return total;
  }

  /** Gradients and hessians of output k for every row (loss.ts's task codes); with several outputs, after softmax(). */
  gradients(task: number, k: number): void {
    if (this.arena) this.arena.gradients(task, this.outputs, k);
    else gradients(task, this.y, this.raw, this.prob, this.outputs, k, this.gh, 0, this.rows);
  }

  /** The round's class probabilities from the raw scores (several outputs). */
  softmax(): void {
    if (this.arena) this.arena.softmax(this.outputs);
    else softmax(this.raw, this.outputs, this.prob, 0, this.rows);
  }

  /** The mean loss of the held-out rows' raw scores, added in row order (the same on any thread count). */
  validationLoss(task: number): number {
    let loss = this.lossTerms;
    if (this.arena) loss = this.arena.validationLosses(task, this.outputs);
    else losses(task, this.y, this.raw, this.outputs, loss, this.rows, this.rows, this.rows + this.valid);
    let s = 0;
    for (let i = 0; i < loss.length; i++) s += loss[i];
    return s / loss.length;
  }

  private buildHist(hist: Float64Array, leaf: Leaf, features: Int32Array): void {
    if (this.arena && features.length === this.nFeatures && this.arena.owns(hist)) return this.arena.build(hist, leaf);
    for (let s = 0; s < this.P; s++) buildHistogram(hist, this.bins, this.nFeatures, this.packed, this.idx, leaf.starts[s], leaf.ends[s], features, features.length, this.slot);
  }

  /** Decode a packed sum into [G, H] in gradient units. */
  private decode(sum: number): [number, number] {
    const { shift, scaleG, scaleH } = this.q;
    const gq = Math.floor(sum / shift);
    return [gq * scaleG, (sum - gq * shift) * scaleH];
  }

  private findSplit(leaf: Leaf, features: Int32Array): Split | null {
    const p = this.params;
    const n = leaf.n;
    if (n < 2 * p.minSamplesLeaf || (p.maxDepth > 0 && leaf.depth >= p.maxDepth)) return null;
    const { G, H, hist } = leaf;
    const { shift, scaleG, scaleH } = this.q;
    // shift is a power of two, so multiplying by its inverse is exact and gives the quotient a division would (at a fraction of its cost)
    const perShift = 1 / shift;
    const slot = this.slot;
    const counts = slot === 2;
    const lambda = p.l2;
    const parent = (G * G) / (H + lambda);
    const minLeaf = p.minSamplesLeaf;
    const mcw = p.minChildWeight;
    let best: Split | null = null;
    let bestMissingLeft = false;
    let bestGain = 1e-10;
    for (let j = 0; j < features.length; j++) {
      const f = features[j];
      const base = f * this.stride;
      const m = this.mappers[f];
      const mSum = hist[base + MISSING_BIN * slot];
      const gqM = Math.floor(mSum * perShift);
      const Gm = gqM * scaleG;
      const Hm = (mSum - gqM * shift) * scaleH;
      const Nm = counts ? hist[base + MISSING_BIN * slot + 1] : Hm > 0 ? 1 : 0;
      if (m.kind === 'numeric') {
        let acc = 0;
        let NL = 0;
        let splitBin = -1;
        let splitMissingLeft = false;
        let bestGL = 0;
        let bestHL = 0;
        let bestNL = 0;
        for (let b = 0; b < m.nBins - 1 || (b === m.nBins - 1 && Nm > 0); b++) {
          const s = base + b * slot;
          acc += hist[s];
          if (counts) NL += hist[s + 1];
          const gq = Math.floor(acc * perShift);
          const GL = gq * scaleG;
          const HL = (acc - gq * shift) * scaleH;
          if (HL === 0 && (!counts || NL === 0)) continue;
          // option 1: missing values go right
          const NR = counts ? n - NL : 1;
          if ((!counts || (NL >= minLeaf && NR >= minLeaf)) && HL >= mcw && H - HL >= mcw) {
            // gain = GL^2 / dl + GR^2 / dr - parent; compared without dividing (dl, dr > 0), divided only when it wins
            const dl = HL + lambda;
            const dr = H - HL + lambda;
            if (GL * GL * dr + (G - GL) * (G - GL) * dl > (bestGain + parent) * dl * dr) {
              bestGain = (GL * GL) / dl + ((G - GL) * (G - GL)) / dr - parent;
              splitBin = b;
              // with no missing values seen here, send future missing values to the larger side
              splitMissingLeft = Nm === 0 && (counts ? NL >= NR : HL >= H - HL);
              bestGL = GL;
              bestHL = HL;
              bestNL = NL;
            }
          }
          // option 2: missing values go left
          if (Nm > 0 && b < m.nBins - 1) {
            const GL2 = GL + Gm;
            const HL2 = HL + Hm;
            const NL2 = NL + Nm;
            if ((!counts || (NL2 >= minLeaf && n - NL2 >= minLeaf)) && HL2 >= mcw && H - HL2 >= mcw) {
              const dl = HL2 + lambda;
              const dr = H - HL2 + lambda;
              if (GL2 * GL2 * dr + (G - GL2) * (G - GL2) * dl > (bestGain + parent) * dl * dr) {
                bestGain = (GL2 * GL2) / dl + ((G - GL2) * (G - GL2)) / dr - parent;
                splitBin = b;
                splitMissingLeft = true;
                bestGL = GL2;
                bestHL = HL2;
                bestNL = NL2;
              }
            }
          }
        }
        if (splitBin >= 0) {
          // the bin table is made once, for the winner (below)
          best = { gain: bestGain, feature: f, lut: NUMERIC, bin: splitBin, gl: bestGL, hl: bestHL, nl: bestNL };
          bestMissingLeft = splitMissingLeft;
        }
      } else {
        const found = this.categorical.find(hist, base, m.nBins, n, G, H, bestGain, this.params, this.slot === 2, this.q);
        if (found) {
          bestGain = found.gain;
          best = { ...found, feature: f };
        }
      }
    }
    if (best !== null && best.lut === NUMERIC) {
      best.lut = new Uint8Array(256);
      best.lut.fill(1, 0, best.bin + 1);
      best.lut[MISSING_BIN] = bestMissingLeft ? 1 : 0;
    }
    return best;
  }

  /**
   * Stable in-place partition of a leaf's rows (held-out rows too) by the split's bin table, branch-free (the side of a row is
   * unpredictable); each segment's right side starts at mids[s].
   */
  private partition(leaf: Leaf, split: Split, mids: Int32Array): void {
    if (this.arena) return this.arena.partition(split.feature, split.lut, leaf, mids);
    const { idx, tmp, bins, nFeatures: F } = this;
    const f = split.feature;
    const lut = split.lut;
    for (let s = 0; s < 2; s++) {
      let l = leaf.starts[s];
      let t = 0;
      for (let i = leaf.starts[s]; i < leaf.ends[s]; i++) {
        const r = idx[i];
        const left = lut[bins[r * F + f]];
        idx[l] = r;
        tmp[t] = r;
        l += left;
        t += 1 - left;
      }
      idx.set(tmp.subarray(0, t), l);
      mids[s] = l;
    }
  }

  /**
   * Grow a tree over the rows of setRows() with the gradients of gradients(); on return the row order is permuted so each
   * leaf's rows are contiguous in each shard, and `leaves` lists them with their values for addLeaves().
   */
  grow(features: Int32Array, rng: Rng): { tree: BinTree; leaves: LeafRows[] } {
    const p = this.params;
    const tree: BinTree = { feature: [-1], lut: [null], bin: [-1], left: [-1], right: [-1], value: [0] };
    const [G, H] = this.decode(this.quantize(rng));
    const root: Leaf = { node: 0, starts: this.root.starts.slice(), ends: this.root.ends.slice(), n: this.bagged, G, H, depth: 0, hist: this.takeHist(), split: null };
    this.buildHist(root.hist, root, features);
    root.split = this.findSplit(root, features);
    const open: Leaf[] = [root];
    const done: Leaf[] = [];
    let nLeaves = 1;
    while (nLeaves < p.maxLeafNodes) {
      let bi = -1;
      for (let i = 0; i < open.length; i++) if (open[i].split && (bi < 0 || open[i].split!.gain > open[bi].split!.gain)) bi = i;
      if (bi < 0) break;
      const leaf = open[bi];
      open.splice(bi, 1);
      nLeaves++;
      for (const child of this.splitLeaf(tree, leaf, features, nLeaves)) (child.split ? open : done).push(child);
    }
    return { tree, leaves: this.leafValues(tree, [...open, ...done]) };
  }

  /**
   * Split a leaf by its best split: its rows partitioned, its children added to the tree (the `nLeaves`-th leaf is one of
   * them), and each child that may split further searched, with its histogram (the smaller child's built, the larger's its
   * parent's minus it). A child that will not split holds no histogram. (Methods of their own, so each is compiled on its
   * own: one function for the whole tree was compiled twice a fit at ~55 ms each.)
   */
  private splitLeaf(tree: BinTree, leaf: Leaf, features: Int32Array, nLeaves: number): [Leaf, Leaf] {
    const p = this.params;
    const { arena, P } = this;
    const split = leaf.split!;
    const mids = new Int32Array(2 * P);
    this.partition(leaf, split, mids);
    let nLeft = 0;
    for (let s = 0; s < P; s++) nLeft += mids[s] - leaf.starts[s];
    const ln = tree.feature.length;
    const rn = ln + 1;
    tree.feature[leaf.node] = split.feature;
    tree.lut[leaf.node] = split.lut;
    tree.bin[leaf.node] = split.bin;
    tree.left[leaf.node] = ln;
    tree.right[leaf.node] = rn;
    for (let k = 0; k < 2; k++) {
      tree.feature.push(-1);
      tree.lut.push(null);
      tree.bin.push(-1);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push(0);
    }
    const left: Leaf = { node: ln, starts: leaf.starts, ends: mids, n: nLeft, G: split.gl, H: split.hl, depth: leaf.depth + 1, hist: leaf.hist, split: null };
    const right: Leaf = { node: rn, starts: mids, ends: leaf.ends, n: leaf.n - nLeft, G: leaf.G - split.gl, H: leaf.H - split.hl, depth: leaf.depth + 1, hist: leaf.hist, split: null };
    // children at the depth limit, too small to split, or past the leaf budget never need a histogram
    const canSplit = (c: Leaf) => nLeaves < p.maxLeafNodes && (p.maxDepth === 0 || c.depth < p.maxDepth) && c.n >= 2 * p.minSamplesLeaf;
    if (!canSplit(left) && !canSplit(right)) {
      this.histPool.push(leaf.hist);
      left.hist = right.hist = EMPTY;
      return [left, right];
    }
    const [small, large] = left.n <= right.n ? [left, right] : [right, left];
    small.hist = this.takeHist();
    this.buildHist(small.hist, small, features);
    const parentHist = leaf.hist;
    const stride = this.stride;
    const slot = this.slot;
    const smallHist = small.hist;
    // only the bins a feature uses (and its missing bin) hold sums; the rest stay zero
    const inArena = arena !== null && arena.owns(parentHist) && arena.owns(smallHist);
    for (let j = 0; j < features.length; j++) {
      const f = features[j];
      const base = f * stride;
      const end = base + this.mappers[f].nBins * slot;
      if (inArena) {
        arena.subtract(parentHist, smallHist, base, end);
        arena.subtract(parentHist, smallHist, base + MISSING_BIN * slot, base + stride);
        continue;
      }
      for (let s = base; s < end; s++) parentHist[s] -= smallHist[s];
      for (let s = base + MISSING_BIN * slot; s < base + stride; s++) parentHist[s] -= smallHist[s];
    }
    large.hist = parentHist;
    for (const child of [left, right]) {
      child.split = canSplit(child) ? this.findSplit(child, features) : null;
      if (!child.split) {
        this.histPool.push(child.hist);
        child.hist = EMPTY;
      }
    }
    return [left, right];
  }

  /** The value of each of a grown tree's leaves, from the exact gradients of its rows; their histograms go back to the pool. */
  private leafValues(tree: BinTree, all: Leaf[]): LeafRows[] {
    const p = this.params;
    const { idx, gh, arena } = this;
    const leaves: LeafRows[] = [];
    for (const leaf of all) {
      // leaf values from the exact gradients: quantisation only steers the choice of splits
      let g = 0;
      let h = 0;
      if (arena) [g, h] = arena.sums(leaf);
      else {
        for (let i = leaf.starts[0]; i < leaf.ends[0]; i++) {
          const r = idx[i];
          g += gh[2 * r];
          h += gh[2 * r + 1];
        }
      }
      let step = -g / (h + p.l2);
      // Newton steps explode where the hessian is tiny (a rare class predicted ~0): cap the step, as XGBoost's max_delta_step
      if (p.maxDeltaStep > 0) step = Math.max(-p.maxDeltaStep, Math.min(p.maxDeltaStep, step));
      const v = step * p.learningRate;
      tree.value[leaf.node] = v;
      leaves.push({ starts: leaf.starts, ends: leaf.ends, value: v });
      if (leaf.hist !== EMPTY) this.histPool.push(leaf.hist);
    }
    return leaves;
  }

  /** Add a grown tree's leaf values to output k of the raw scores of the rows each leaf holds (held-out rows too). */
  addLeaves(leaves: LeafRows[], k: number): void {
    const K = this.outputs;
    if (this.arena) return this.arena.addLeaves(leaves, k, K);
    const { idx, scores } = this;
    for (const { starts, ends, value } of leaves) for (let s = 0; s < 2; s++) for (let i = starts[s]; i < ends[s]; i++) scores[idx[i] * K + k] += value;
  }
}
