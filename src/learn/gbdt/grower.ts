import { MISSING_BIN, type BinMapper } from '../trees/binning.ts';
import type { BinTree } from '../trees/flatten.ts';

export type { BinTree };

export interface GrowParams {
  maxLeafNodes: number;
  /** 0 = unlimited */
  maxDepth: number;
  minSamplesLeaf: number;
  minChildWeight: number;
  l2: number;
  learningRate: number;
  /** smoothing of the gradient ratio used to order categories, and extra L2 on categorical splits (LightGBM's cat_smooth, cat_l2) */
  catSmooth: number;
  catL2: number;
  /** bound on a leaf's Newton step before shrinkage; 0 = none */
  maxDeltaStep: number;
}

const SLOT = 3; // g, h, count
const EMPTY = new Float64Array(0);
const FEATURE_STRIDE = 256 * SLOT;

interface Split {
  gain: number;
  feature: number;
  lut: Uint8Array;
  bin: number;
  /** gradient and hessian sums of the left child, from the histogram */
  gl: number;
  hl: number;
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  G: number;
  H: number;
  depth: number;
  hist: Float64Array;
  split: Split | null;
}

/**
 * Grows one regression tree on gradients leaf-wise (best gain first) over binned features, the LightGBM / scikit-learn
 * HistGradientBoosting strategy. Rows are kept in `idx` with each leaf owning a contiguous range, so a split is an in-place
 * partition and a histogram is a scan of that range; the larger child's histogram is parent minus smaller child.
 */
export class TreeGrower {
  private readonly nFeatures: number;
  private readonly tmp: Uint32Array;
  private readonly histPool: Float64Array[] = [];

  constructor(
    /** row-major bins, nFeatures per row (histograms read a row's features together) */
    private readonly bins: Uint8Array,
    /** the same bins column-major (a partition reads one feature of many rows) */
    private readonly columns: Uint8Array[],
    private readonly mappers: BinMapper[],
    private readonly params: GrowParams,
    rows: number,
  ) {
    this.nFeatures = mappers.length;
    this.tmp = new Uint32Array(rows);
  }

  private takeHist(): Float64Array {
    const h = this.histPool.pop();
    if (h) {
      h.fill(0);
      return h;
    }
    return new Float64Array(this.nFeatures * FEATURE_STRIDE);
  }

  private buildHist(hist: Float64Array, idx: Uint32Array, start: number, end: number, gh: Float64Array, features: Int32Array): void {
    const bins = this.bins;
    const F = this.nFeatures;
    const nf = features.length;
    if (nf === F) {
      for (let i = start; i < end; i++) {
        const r = idx[i];
        const gr = gh[2 * r];
        const hr = gh[2 * r + 1];
        const row = r * F;
        for (let f = 0, base = 0; f < F; f++, base += FEATURE_STRIDE) {
          const s = base + bins[row + f] * SLOT;
          hist[s] += gr;
          hist[s + 1] += hr;
          hist[s + 2] += 1;
        }
      }
      return;
    }
    for (let i = start; i < end; i++) {
      const r = idx[i];
      const gr = gh[2 * r];
      const hr = gh[2 * r + 1];
      const row = r * F;
      for (let j = 0; j < nf; j++) {
        const f = features[j];
        const s = f * FEATURE_STRIDE + bins[row + f] * SLOT;
        hist[s] += gr;
        hist[s + 1] += hr;
        hist[s + 2] += 1;
      }
    }
  }

  private findSplit(leaf: Leaf, features: Int32Array): Split | null {
    const p = this.params;
    const n = leaf.end - leaf.start;
    if (n < 2 * p.minSamplesLeaf || (p.maxDepth > 0 && leaf.depth >= p.maxDepth)) return null;
    const { G, H, hist } = leaf;
    const lambda = p.l2;
    const parent = (G * G) / (H + lambda);
    let best: Split | null = null;
    let bestGain = 1e-10;
    for (let j = 0; j < features.length; j++) {
      const f = features[j];
      const base = f * FEATURE_STRIDE;
      const m = this.mappers[f];
      const ms = base + MISSING_BIN * SLOT;
      const Gm = hist[ms];
      const Hm = hist[ms + 1];
      const Nm = hist[ms + 2];
      if (m.kind === 'numeric') {
        let GL = 0;
        let HL = 0;
        let NL = 0;
        let splitBin = -1;
        let splitMissingLeft = false;
        let bestGL = 0;
        let bestHL = 0;
        for (let b = 0; b < m.nBins; b++) {
          const s = base + b * SLOT;
          GL += hist[s];
          HL += hist[s + 1];
          NL += hist[s + 2];
          if (NL === 0) continue;
          // option 1: missing values go right
          const NR = n - NL;
          if (NL >= p.minSamplesLeaf && NR >= p.minSamplesLeaf && HL >= p.minChildWeight && H - HL >= p.minChildWeight && NR > 0) {
            const gain = (GL * GL) / (HL + lambda) + ((G - GL) * (G - GL)) / (H - HL + lambda) - parent;
            if (gain > bestGain) {
              bestGain = gain;
              splitBin = b;
              // with no missing values seen here, send future missing values to the larger side
              splitMissingLeft = Nm === 0 && NL >= NR;
              bestGL = GL;
              bestHL = HL;
            }
          }
          // option 2: missing values go left
          if (Nm > 0 && b < m.nBins - 1) {
            const GL2 = GL + Gm;
            const HL2 = HL + Hm;
            const NL2 = NL + Nm;
            const NR2 = n - NL2;
            if (NL2 >= p.minSamplesLeaf && NR2 >= p.minSamplesLeaf && HL2 >= p.minChildWeight && H - HL2 >= p.minChildWeight) {
              const gain = (GL2 * GL2) / (HL2 + lambda) + ((G - GL2) * (G - GL2)) / (H - HL2 + lambda) - parent;
              if (gain > bestGain) {
                bestGain = gain;
                splitBin = b;
                splitMissingLeft = true;
                bestGL = GL2;
                bestHL = HL2;
              }
            }
          }
        }
        if (splitBin >= 0 && (best === null || bestGain > best.gain)) {
          const lut = new Uint8Array(256);
          for (let b = 0; b <= splitBin; b++) lut[b] = 1;
          lut[MISSING_BIN] = splitMissingLeft ? 1 : 0;
          best = { gain: bestGain, feature: f, lut, bin: splitBin, gl: bestGL, hl: bestHL };
        }
      } else {
        const found = this.categoricalSplit(hist, base, m.nBins, n, G, H, bestGain);
        if (found) {
          bestGain = found.gain;
          best = { ...found, feature: f };
        }
      }
    }
    return best;
  }

  /** Order the categories by smoothed gradient ratio and take the best prefix (Fisher's grouping, as LightGBM does). */
  private categoricalSplit(hist: Float64Array, base: number, nBins: number, n: number, G: number, H: number, minGain: number): Omit<Split, 'feature'> | null {
    const p = this.params;
    const cats: number[] = [];
    for (let b = 0; b < nBins; b++) if (hist[base + b * SLOT + 2] > 0) cats.push(b);
    if (hist[base + MISSING_BIN * SLOT + 2] > 0) cats.push(MISSING_BIN);
    if (cats.length < 2) return null;
    const ratio = (b: number) => hist[base + b * SLOT] / (hist[base + b * SLOT + 1] + p.catSmooth);
    cats.sort((a, b) => ratio(a) - ratio(b));
    const lambda = p.l2 + p.catL2;
    const parent = (G * G) / (H + lambda);
    let GL = 0;
    let HL = 0;
    let NL = 0;
    let bestK = -1;
    let bestGain = minGain;
    let bestGL = 0;
    let bestHL = 0;
    for (let k = 0; k < cats.length - 1; k++) {
      const s = base + cats[k] * SLOT;
      GL += hist[s];
      HL += hist[s + 1];
      NL += hist[s + 2];
      const NR = n - NL;
      if (NL < p.minSamplesLeaf || NR < p.minSamplesLeaf || HL < p.minChildWeight || H - HL < p.minChildWeight) continue;
      const gain = (GL * GL) / (HL + lambda) + ((G - GL) * (G - GL)) / (H - HL + lambda) - parent;
      if (gain > bestGain) {
        bestGain = gain;
        bestK = k;
        bestGL = GL;
        bestHL = HL;
      }
    }
    if (bestK < 0) return null;
    const lut = new Uint8Array(256);
    for (let k = 0; k <= bestK; k++) lut[cats[k]] = 1;
    return { gain: bestGain, lut, bin: -1, gl: bestGL, hl: bestHL };
  }

  private partition(idx: Uint32Array, leaf: Leaf, split: Split): number {
    const col = this.columns[split.feature];
    const lut = split.lut;
    const tmp = this.tmp;
    let l = leaf.start;
    let t = 0;
    for (let i = leaf.start; i < leaf.end; i++) {
      const r = idx[i];
      if (lut[col[r]] === 1) idx[l++] = r;
      else tmp[t++] = r;
    }
    idx.set(tmp.subarray(0, t), l);
    return l;
  }

  /**
   * Grow a tree over rows idx[0..n); on return idx is permuted so each leaf's rows are contiguous, and `leaves` lists
   * [start, end, value] so the caller can update its raw scores without walking the tree.
   */
  grow(idx: Uint32Array, n: number, gh: Float64Array, features: Int32Array): { tree: BinTree; leaves: [number, number, number][] } {
    const p = this.params;
    const tree: BinTree = { feature: [-1], lut: [null], bin: [-1], left: [-1], right: [-1], value: [0] };
    let G = 0;
    let H = 0;
    for (let i = 0; i < n; i++) {
      G += gh[2 * idx[i]];
      H += gh[2 * idx[i] + 1];
    }
    const rootHist = this.takeHist();
    this.buildHist(rootHist, idx, 0, n, gh, features);
    const root: Leaf = { node: 0, start: 0, end: n, G, H, depth: 0, hist: rootHist, split: null };
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
      const split = leaf.split!;
      const mid = this.partition(idx, leaf, split);
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
      const GL = split.gl;
      const HL = split.hl;
      const left: Leaf = { node: ln, start: leaf.start, end: mid, G: GL, H: HL, depth: leaf.depth + 1, hist: leaf.hist, split: null };
      const right: Leaf = { node: rn, start: mid, end: leaf.end, G: leaf.G - GL, H: leaf.H - HL, depth: leaf.depth + 1, hist: leaf.hist, split: null };
      nLeaves++;
      // children at the depth limit, too small to split, or past the leaf budget never need a histogram
      const canSplit = (c: Leaf) => nLeaves < p.maxLeafNodes && (p.maxDepth === 0 || c.depth < p.maxDepth) && c.end - c.start >= 2 * p.minSamplesLeaf;
      if (!canSplit(left) && !canSplit(right)) {
        this.histPool.push(leaf.hist);
        left.hist = right.hist = EMPTY;
        done.push(left, right);
        continue;
      }
      const [small, large] = mid - leaf.start <= leaf.end - mid ? [left, right] : [right, left];
      small.hist = this.takeHist();
      this.buildHist(small.hist, idx, small.start, small.end, gh, features);
      const parentHist = leaf.hist;
      for (let j = 0; j < features.length; j++) {
        const base = features[j] * FEATURE_STRIDE;
        for (let s = base; s < base + FEATURE_STRIDE; s++) parentHist[s] -= small.hist[s];
      }
      large.hist = parentHist;
      for (const child of [left, right]) {
        child.split = canSplit(child) ? this.findSplit(child, features) : null;
        if (child.split) open.push(child);
        else {
          this.histPool.push(child.hist);
          child.hist = EMPTY;
          done.push(child);
        }
      }
    }
    const leaves: [number, number, number][] = [];
    for (const leaf of [...open, ...done]) {
      let step = -leaf.G / (leaf.H + p.l2);
      // Newton steps explode where the hessian is tiny (a rare class predicted ~0): cap the step, as XGBoost's max_delta_step
      if (p.maxDeltaStep > 0) step = Math.max(-p.maxDeltaStep, Math.min(p.maxDeltaStep, step));
      const v = step * p.learningRate;
      tree.value[leaf.node] = v;
      leaves.push([leaf.start, leaf.end, v]);
      if (leaf.hist !== EMPTY) this.histPool.push(leaf.hist);
    }
    return { tree, leaves };
  }
}
