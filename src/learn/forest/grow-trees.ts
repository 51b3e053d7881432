import { Rng } from '../../core/random.ts';
import type { BinMapper } from '../trees/binning.ts';
import { binGoesLeft, type BinTree } from '../trees/flatten.ts';
import { ForestTreeGrower, type ForestTreeParams } from './grower.ts';

export interface GrowJob {
  columns: Uint8Array[];
  mappers: BinMapper[];
  y: Float64Array;
  /** 0 for regression */
  classes: number;
  params: ForestTreeParams;
  bootstrap: boolean;
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

function treeVector(t: BinTree, columns: Uint8Array[], r: number): Float64Array {
  let node = 0;
  while (t.feature[node] >= 0) node = binGoesLeft(t, node, columns[t.feature[node]][r]) ? t.left[node] : t.right[node];
  return t.vectors![node]!;
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
    if (!job.bootstrap) continue;
    for (let i = 0; i < n; i++) {
      if (w[i] > 0) continue;
      const v = treeVector(tree, job.columns, i);
      for (let k = 0; k < K; k++) oob[i * K + k] += v[k];
      oobCount[i]++;
    }
  }
  return { trees, oob, oobCount };
}
