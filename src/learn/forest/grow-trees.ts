import { Rng } from '../../core/random.ts';
import type { BinMapper } from '../trees/binning.ts';
import type { BinTree } from '../trees/flatten.ts';
import { TreeScorer } from '../trees/tree-scorer.ts';
import { ForestTreeGrower, type ForestTreeParams } from './grower.ts';

export interface GrowJob {
  columns: Uint8Array[];
  /** the same bins row-major (binMatrix's): the out-of-bag rows walk each tree through them */
  bins: Uint8Array;
  mappers: BinMapper[];
  y: Float64Array;
  /** 0 for regression */
  classes: number;
  params: ForestTreeParams;
  bootstrap: boolean;
  /** score the out-of-bag rows (with bootstrap only) */
  oob: boolean;
  /** one seed per tree: a tree depends on its seed only, never on which thread grows it */
  seeds: number[];
  /** epoch ms: stop growing more trees after it (at least one is grown) */
  deadline?: number;
}

export interface GrowResult {
  trees: BinTree[];
  /** out-of-bag sums of tree outputs (rows x width) and how many trees each row was out of bag for */
  oob: Float64Array;
  oobCount: Float64Array;
}

/** Trees as a few flat typed arrays: what a worker thread sends back (transferred, where BinTree objects would be cloned node by node). */
export interface PackedTrees {
  /** nodes per tree */
  sizes: Int32Array;
  feature: Int32Array;
  bin: Int32Array;
  left: Int32Array;
  right: Int32Array;
  missingLeft: Uint8Array;
  value: Float64Array;
  /** K values per node (zeros for internal nodes) */
  vectors: Float64Array;
}

/** Pack forest trees (numeric splits only: a forest grower never makes a lut) with K values per leaf. */
export function packTrees(trees: BinTree[], K: number): PackedTrees {
  const total = trees.reduce((s, t) => s + t.feature.length, 0);
  const p: PackedTrees = {
    sizes: Int32Array.from(trees, (t) => t.feature.length),
    feature: new Int32Array(total),
    bin: new Int32Array(total),
    left: new Int32Array(total),
    right: new Int32Array(total),
    missingLeft: new Uint8Array(total),
    value: new Float64Array(total),
    vectors: new Float64Array(total * K),
  };
  let at = 0;
  for (const t of trees) {
    p.feature.set(t.feature, at);
    p.bin.set(t.bin, at);
    p.left.set(t.left, at);
    p.right.set(t.right, at);
    p.value.set(t.value, at);
    for (let i = 0; i < t.feature.length; i++) {
      if (t.missingLeft![i]) p.missingLeft[at + i] = 1;
      const v = t.vectors![i];
      if (v) p.vectors.set(v, (at + i) * K);
    }
    at += t.feature.length;
  }
  return p;
}

/** The trees packTrees packed; leaf vectors are views into the packed values. */
export function unpackTrees(p: PackedTrees, K: number): BinTree[] {
  const trees: BinTree[] = [];
  let at = 0;
  for (const size of p.sizes) {
    const end = at + size;
    const feature = Array.from(p.feature.subarray(at, end));
    trees.push({
      feature,
      lut: feature.map(() => null),
      bin: Array.from(p.bin.subarray(at, end)),
      left: Array.from(p.left.subarray(at, end)),
      right: Array.from(p.right.subarray(at, end)),
      missingLeft: Array.from(p.missingLeft.subarray(at, end), (b) => b === 1),
      value: Array.from(p.value.subarray(at, end)),
      vectors: feature.map((f, i) => (f < 0 ? p.vectors.subarray((at + i) * K, (at + i + 1) * K) : null)),
    });
    at = end;
  }
  return trees;
}

/** Grow the trees of one job (the whole forest on one thread, or one worker's share). */
export function growTrees(job: GrowJob): GrowResult {
  const n = job.y.length;
  const K = Math.max(1, job.classes);
  const grower = new ForestTreeGrower(job.columns, job.mappers, job.y, job.classes, job.params, n);
  const features = Array.from({ length: job.mappers.length }, (_, f) => f);
  const { w, idx } = grower;
  const oob = new Float64Array(n * K);
  const oobCount = new Float64Array(n);
  const trees: BinTree[] = [];
  let oobScorer: TreeScorer | null = null;
  for (const seed of job.seeds) {
    if (job.deadline !== undefined && trees.length > 0 && Date.now() > job.deadline) break;
    const rng = new Rng(seed);
    if (job.bootstrap) {
      w.fill(0);
      for (let i = 0; i < n; i++) w[rng.int(n)] += 1;
    } else w.fill(1);
    let m = 0;
    for (let i = 0; i < n; i++) if (w[i] > 0) idx[m++] = i;
    const tree = grower.grow(idx, m, w, features, rng);
    trees.push(tree);
    if (!job.bootstrap || !job.oob) continue;
    (oobScorer ??= new TreeScorer(job.bins, job.mappers.length)).add(tree, oob, K, 0, w);
    for (let i = 0; i < n; i++) if (w[i] === 0) oobCount[i]++;
  }
  return { trees, oob, oobCount };
}
