import { Rng } from '../../core/random.ts';
import { MISSING_BIN, type BinMapper } from '../trees/binning.ts';
import { thresholdGoesLeft, type BinTree } from '../trees/flatten.ts';
import { ForestArena } from './wasm-forest.ts';

export interface ForestTreeParams {
  maxDepth: number;
  minSamplesLeaf: number;
  minSamplesSplit: number;
  /** features tried per split */
  mtry: number;
  extraTrees: boolean;
}

/**
 * Grows one fully-randomised decision tree (random forest / extra trees) on binned columns: depth-first, mtry random features
 * per split (more only when none of them can split, as scikit-learn), Gini for classes or squared error for values, rows
 * weighted by their bootstrap count. Histograms touch only the bins present in a node, so deep small nodes stay cheap.
 */
export class ForestTreeGrower {
  /** the row order grow() permutes, and the rows' weights: the caller fills them before each grow() */
  readonly idx: Uint32Array;
  readonly w: Float64Array;
  private readonly columns: Uint8Array[];
  private readonly arena: ForestArena | null;
  private readonly stat: Float64Array;
  private readonly wsum: Float64Array;
  private readonly cnt: Float64Array;
  private readonly seen: Uint8Array;
  private readonly touched: Int32Array;
  private readonly tmp: Uint32Array;
  private readonly nw: Float64Array;
  private readonly ny: Float64Array;
  private readonly nyc: Int32Array;
  private readonly L: Float64Array;
  private readonly values = new Int32Array(256);
  private foundMissingLeft = false;
  private foundBin = -1;

  constructor(
    columns: Uint8Array[],
    private readonly mappers: BinMapper[],
    /** class index per row (classification) or value (regression) */
    private readonly y: Float64Array,
    /** 0 for regression */
    private readonly nClasses: number,
    private readonly params: ForestTreeParams,
    rows: number,
  ) {
    const K = Math.max(1, nClasses);
    const arena = (this.arena = ForestArena.create(columns, rows, K));
    this.columns = arena ? arena.columns : columns;
    this.idx = arena ? arena.idx : new Uint32Array(rows);
    this.w = arena ? arena.w : new Float64Array(rows);
    this.stat = arena ? arena.stat : new Float64Array(256 * K);
    this.wsum = arena ? arena.wsum : new Float64Array(256);
    this.cnt = arena ? arena.cnt : new Float64Array(256);
    this.seen = arena ? arena.seen : new Uint8Array(256);
    this.touched = arena ? arena.touched : new Int32Array(256);
    this.nw = arena ? arena.nw : new Float64Array(rows);
    this.ny = arena ? arena.ny : new Float64Array(rows);
    this.nyc = arena ? arena.nyc : new Int32Array(rows);
    this.tmp = new Uint32Array(rows);
    this.L = new Float64Array(K);
  }

  private width(): number {
    return this.nClasses > 0 ? this.nClasses : 1;
  }

  /**
   * The node's per-class weights (classification) or [sum of w*y] (regression), and total weight; the node's row weights and
   * targets are gathered into nw and nyc / ny on the way (the histogram loops read them in order).
   */
  private nodeTotals(idx: Uint32Array, start: number, end: number, w: Float64Array): { total: Float64Array; W: number; pure: boolean } {
    const K = this.width();
    const total = new Float64Array(K);
    const { y, nw, ny, nyc } = this;
    let W = 0;
    let sq = 0;
    if (this.nClasses > 0) {
      for (let i = start, j = 0; i < end; i++, j++) {
        const r = idx[i];
        const wr = w[r];
        const c = y[r];
        nw[j] = wr;
        nyc[j] = c;
        W += wr;
        total[c] += wr;
      }
    } else {
      for (let i = start, j = 0; i < end; i++, j++) {
        const r = idx[i];
        const wr = w[r];
        const v = y[r];
        nw[j] = wr;
        ny[j] = v;
        W += wr;
        total[0] += wr * v;
        sq += wr * v * v;
      }
    }
    let pure: boolean;
    if (this.nClasses > 0) {
      let nonzero = 0;
      for (let k = 0; k < K; k++) if (total[k] > 0) nonzero++;
      pure = nonzero <= 1;
    }
    else pure = sq / W - (total[0] / W) ** 2 <= 1e-12 * Math.max(1, Math.abs(sq / W));
    return { total, W, pure };
  }

  private WL = 0;
  private NL = 0;
  private bestScore = -Infinity;
  private bestK = -1;
  private bestMissingLeft = false;

  private add(b: number, K: number): void {
    this.WL += this.wsum[b];
    this.NL += this.cnt[b];
    for (let c = 0; c < K; c++) this.L[c] += this.stat[b * K + c];
  }

  private keepFound(order: Int32Array): void {
    this.foundMissingLeft = this.bestMissingLeft;
    this.foundBin = this.bestK >= 0 ? order[this.bestK] : -1;
  }

  /** Evaluate "bins order[0..k] left", with the missing bin left or right. */
  private consider(k: number, missingLeft: boolean, x: { K: number; nNode: number; W: number; total: Float64Array; mW: number; mN: number; mBase: number; minLeaf: number }): void {
    const NLm = this.NL + (missingLeft ? x.mN : 0);
    const WLm = this.WL + (missingLeft ? x.mW : 0);
    if (NLm < x.minLeaf || x.nNode - NLm < x.minLeaf || WLm <= 0 || WLm >= x.W) return;
    let a = 0;
    let b = 0;
    for (let c = 0; c < x.K; c++) {
      const l = this.L[c] + (missingLeft ? this.stat[x.mBase + c] : 0);
      a += l * l;
      const r = x.total[c] - l;
      b += r * r;
    }
    // score = a / WL + b / WR, compared without dividing (WL, WR > 0), divided only when it wins
    const WRm = x.W - WLm;
    if (a * WRm + b * WLm > (this.bestScore + 1e-12) * WLm * WRm) {
      this.bestScore = a / WLm + b / WRm;
      this.bestK = k;
      this.bestMissingLeft = missingLeft;
    }
  }

  /**
   * The hot loops live in their own small functions: V8 optimises them once, and rare branches elsewhere (extra trees,
   * categories, missing values) cannot deoptimise them.
   */
  private histClasses(f: number, idx: Uint32Array, start: number, end: number, K: number): number {
    const { touched, stat, cnt, wsum } = this;
    const counts = this.params.minSamplesLeaf > 1;
    const nt = this.arena ? this.arena.classes(f, start, end, K, counts) : this.histClassesJs(f, idx, start, end, K, counts);
    for (let t = 0; t < nt; t++) {
      const b = touched[t];
      let s = 0;
      for (let k = 0; k < K; k++) s += stat[b * K + k];
      wsum[b] = s;
      if (!counts) cnt[b] = 1;
    }
    return nt;
  }

  private histClassesJs(f: number, idx: Uint32Array, start: number, end: number, K: number, counts: boolean): number {
    const { nw, nyc, seen, touched, stat, cnt } = this;
    const col = this.columns[f];
    let nt = 0;
    for (let i = start, j = 0; i < end; i++, j++) {
      const b = col[idx[i]];
      if (seen[b] === 0) {
        seen[b] = 1;
        touched[nt++] = b;
      }
      stat[b * K + nyc[j]] += nw[j];
      if (counts) cnt[b] += 1;
    }
    return nt;
  }

  private histValues(f: number, idx: Uint32Array, start: number, end: number): number {
    if (this.arena) return this.arena.values(f, start, end);
    const { nw, ny, seen, touched, stat, cnt, wsum } = this;
    const col = this.columns[f];
    let nt = 0;
    for (let i = start, j = 0; i < end; i++, j++) {
      const b = col[idx[i]];
      if (seen[b] === 0) {
        seen[b] = 1;
        touched[nt++] = b;
      }
      stat[b] += nw[j] * ny[j];
      wsum[b] += nw[j];
      cnt[b] += 1;
    }
    return nt;
  }

  /** Score of the best split on feature f, or -Infinity; the split itself is left in this.found* for the caller. */
  private bestSplitOn(f: number, idx: Uint32Array, start: number, end: number, total: Float64Array, W: number, rng: Rng): number {
    const K = this.width();
    const { stat, wsum, cnt, seen, touched, values } = this;
    const nt = this.nClasses > 0 ? this.histClasses(f, idx, start, end, K) : this.histValues(f, idx, start, end);
    const hasMissing = seen[MISSING_BIN] === 1;
    let nv = 0;
    for (let j = 0; j < nt; j++) if (touched[j] !== MISSING_BIN) values[nv++] = touched[j];
    let bestScore = -Infinity;
    if (nv + (hasMissing ? 1 : 0) >= 2) {
      // bins in value order (the forest gets imputed, one-hot numeric inputs, so every feature is ordered)
      const order = values.subarray(0, nv);
      if (nv > 32) {
        let j = 0;
        for (let b = 0; b < MISSING_BIN; b++) if (seen[b] === 1) order[j++] = b;
      } else {
        // insertion sort: a typed-array sort call costs more than the sort itself on the tiny bin sets of deep nodes
        for (let a = 1; a < nv; a++) {
          const v = order[a];
          let b = a - 1;
          while (b >= 0 && order[b] > v) {
            order[b + 1] = order[b];
            b--;
          }
          order[b + 1] = v;
        }
      }
      const minLeaf = this.params.minSamplesLeaf;
      const nNode = end - start;
      const mW = hasMissing ? wsum[MISSING_BIN] : 0;
      const mN = hasMissing ? cnt[MISSING_BIN] : 0;
      const mBase = MISSING_BIN * K;
      this.L.fill(0);
      this.WL = 0;
      this.NL = 0;
      this.bestScore = -Infinity;
      this.bestK = -1;
      const ctx = { K, nNode, W, total, mW, mN, mBase, minLeaf };
      if (this.params.extraTrees) {
        // one random cut between the node's smallest and largest bin, missing values sent to a random side
        const lo = order[0];
        const hi = order[nv - 1];
        if (hi > lo) {
          const cut = lo + rng.int(hi - lo);
          let k = -1;
          for (let j = 0; j < nv && order[j] <= cut; j++) {
            this.add(order[j], K);
            k = j;
          }
          this.consider(k, hasMissing && rng.next() < 0.5, ctx);
        } else if (hasMissing) {
          for (let j = 0; j < nv; j++) this.add(order[j], K);
          this.consider(nv - 1, false, ctx);
        }
      } else {
        for (let j = 0; j < nv; j++) {
          this.add(order[j], K);
          if (j < nv - 1 || hasMissing) this.consider(j, false, ctx);
          if (hasMissing && j < nv - 1) this.consider(j, true, ctx);
        }
      }
      bestScore = this.bestScore;
      if (bestScore > -Infinity) this.keepFound(order);
    }
    for (let j = 0; j < nt; j++) {
      const b = touched[j];
      seen[b] = 0;
      wsum[b] = 0;
      cnt[b] = 0;
      for (let k = 0; k < K; k++) stat[b * K + k] = 0;
    }
    return bestScore;
  }

  grow(idx: Uint32Array, n: number, w: Float64Array, features: number[], rng: Rng): BinTree {
    const p = this.params;
    const K = this.width();
    const tree: BinTree = { feature: [], lut: [], bin: [], left: [], right: [], value: [], vectors: [], missingLeft: [] };
    const addNode = () => {
      tree.feature.push(-1);
      tree.lut.push(null);
      tree.missingLeft!.push(false);
      tree.bin.push(-1);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push(0);
      tree.vectors!.push(null);
      return tree.feature.length - 1;
    };
    const stack: [number, number, number, number][] = [[addNode(), 0, n, 0]];
    const order = features.slice();
    while (stack.length > 0) {
      const [node, start, end, depth] = stack.pop()!;
      const { total, W, pure } = this.nodeTotals(idx, start, end, w);
      const leaf = () => {
        const v = new Float64Array(K);
        for (let k = 0; k < K; k++) v[k] = total[k] / W;
        tree.vectors![node] = v;
        tree.value[node] = v[0];
      };
      if (pure || end - start < Math.max(p.minSamplesSplit, 2 * p.minSamplesLeaf) || (p.maxDepth > 0 && depth >= p.maxDepth)) {
        leaf();
        continue;
      }
      rng.shuffle(order);
      let best: { gain: number; bin: number; missingLeft: boolean; feature: number } | null = null;
      for (let j = 0; j < order.length; j++) {
        if (j >= p.mtry && best) break;
        const score = this.bestSplitOn(order[j], idx, start, end, total, W, rng);
        if (score > -Infinity && (!best || score > best.gain)) best = { gain: score, bin: this.foundBin, missingLeft: this.foundMissingLeft, feature: order[j] };
      }
      if (!best) {
        leaf();
        continue;
      }
      // every bin up to the cut goes left, also bins absent from this node (as the raw threshold will send them)
      const col = this.columns[best.feature];
      const cut = best.bin;
      const missingLeft = best.missingLeft;
      const ml = missingLeft ? 1 : 0;
      const tmp = this.tmp;
      let l = start;
      let t = 0;
      // branch-free (a row's side is unpredictable): each row is written to both sides, and one side's end moves on
      for (let i = start; i < end; i++) {
        const r = idx[i];
        const b = col[r];
        const left = thresholdGoesLeft(b, cut, ml);
        idx[l] = r;
        tmp[t] = r;
        l += left;
        t += left ^ 1;
      }
      idx.set(tmp.subarray(0, t), l);
      tree.feature[node] = best.feature;
      tree.missingLeft![node] = missingLeft;
      tree.bin[node] = best.bin;
      const ln = addNode();
      const rn = addNode();
      tree.left[node] = ln;
      tree.right[node] = rn;
      stack.push([rn, l, end, depth + 1], [ln, start, l, depth + 1]);
    }
    return tree;
  }
}
