import { binGoesLeft, type BinTree } from '../trees/flatten.ts';

/**
 * Adds bin-space trees' values to the scores of the rows of a row-major binned matrix with F features: the validation rows of
 * early stopping, and the out-of-bag rows under subsampling. A tree is laid out flat first (per internal node a 256-entry
 * table of the side each bin goes, a child array indexed by that side: no branch to mispredict), and the rows walk it one
 * level at a time, those not yet at a leaf kept in a list: each step of a row is then independent of the one before, where a
 * whole walk per row waited on every load in turn (the validation walk through binGoesLeft had been a tenth of a fit).
 */
export class TreeScorer {
  private readonly nodeOf: Int32Array;
  private readonly lists: [Uint32Array, Uint32Array];

  constructor(private readonly bins: Uint8Array, private readonly F: number) {
    const rows = bins.length / F;
    this.nodeOf = new Int32Array(rows);
    this.lists = [new Uint32Array(rows), new Uint32Array(rows)];
  }

  /** scores[r * K + k] += the tree's value for row r, for every row but those with skip[r] = 1. */
  add(tree: BinTree, scores: Float64Array, K: number, k: number, skip: Uint8Array | null = null): void {
    const { bins, F, nodeOf } = this;
    const N = tree.feature.length;
    const feature = Int32Array.from(tree.feature);
    const value = Float64Array.from(tree.value);
    // child[2 node + side]: the right child at side 0, the left at side 1, side = goesLeft[256 node + bin]
    const child = new Int32Array(2 * N);
    const goesLeft = new Uint8Array(N * 256);
    for (let node = 0; node < N; node++) {
      if (feature[node] < 0) continue;
      child[2 * node] = tree.right[node];
      child[2 * node + 1] = tree.left[node];
      for (let b = 0; b < 256; b++) goesLeft[node * 256 + b] = binGoesLeft(tree, node, b) ? 1 : 0;
    }
    const rows = nodeOf.length;
    nodeOf.fill(0);
    let [from, to] = this.lists;
    let count = 0;
    if (feature[0] >= 0) for (let r = 0; r < rows; r++) if (skip === null || skip[r] === 0) from[count++] = r;
    while (count > 0) {
      let still = 0;
      for (let j = 0; j < count; j++) {
        const r = from[j];
        const node = child[2 * nodeOf[r] + goesLeft[(nodeOf[r] << 8) | bins[r * F + feature[nodeOf[r]]]]];
        nodeOf[r] = node;
        to[still] = r;
        still += (feature[node] >>> 31) ^ 1;
      }
      count = still;
      [from, to] = [to, from];
    }
    for (let r = 0; r < rows; r++) if (skip === null || skip[r] === 0) scores[r * K + k] += value[nodeOf[r]];
  }
}
