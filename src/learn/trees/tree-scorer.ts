import { thresholdGoesLeft, type BinTree } from './flatten.ts';

/**
 * Adds bin-space trees' leaf values to the scores of the rows of a row-major binned matrix with F features: GBDT's validation
 * rows (early stopping) and out-of-bag rows (subsampling), a forest's out-of-bag rows. A tree is laid out flat first (per
 * node its feature, threshold bin and missing side, or its 256-entry bin table for splits that have one; a child array
 * indexed by the side, so no branch to mispredict), and the rows walk it one level at a time, those not yet at a leaf kept in
 * a list: each step of a row is independent of the one before, where a whole walk per row waited on every load in turn (a
 * GBDT's validation walk had been a tenth of its fit, a forest's out-of-bag walk through its deep trees another tenth).
 */
export class TreeScorer {
  private readonly nodeOf: Int32Array;
  private readonly lists: [Uint32Array, Uint32Array];

  constructor(private readonly bins: Uint8Array, private readonly F: number) {
    const rows = F > 0 ? bins.length / F : 0;
    this.nodeOf = new Int32Array(rows);
    this.lists = [new Uint32Array(rows), new Uint32Array(rows)];
  }

  /**
   * scores[r * K + offset + j] += value j of the leaf holding row r (j below the leaves' width: 1, or a forest's K shares),
   * for every row but those where skip[r] is not 0.
   */
  add(tree: BinTree, scores: Float64Array, K: number, offset: number, skip: ArrayLike<number> | null = null): void {
    const { bins, F, nodeOf } = this;
    const N = tree.feature.length;
    const feature = new Int32Array(N);
    const bin = new Int32Array(N);
    const missingLeft = new Uint8Array(N);
    // lutOf[node]: where the node's bin table starts in goesLeft (in tables of 256), or -1 for a threshold split
    const lutOf = new Int32Array(N).fill(-1);
    // child[2 node + side]: the right child at side 0, the left at side 1
    const child = new Int32Array(2 * N);
    const width = tree.vectors?.find((v) => v)?.length ?? 1;
    const leafValues = new Float64Array(N * width);
    let luts = 0;
    for (let node = 0; node < N; node++) if (tree.feature[node] >= 0 && tree.lut[node]) luts++;
    const goesLeft = new Uint8Array(luts * 256);
    luts = 0;
    for (let node = 0; node < N; node++) {
      const f = tree.feature[node];
      // a leaf keeps feature -1 here; the walk never reads a leaf's feature
      feature[node] = f;
      if (f < 0) {
        const v = tree.vectors?.[node];
        if (v) leafValues.set(v, node * width);
        else leafValues[node * width] = tree.value[node];
        continue;
      }
      child[2 * node] = tree.right[node];
      child[2 * node + 1] = tree.left[node];
      const lut = tree.lut[node];
      if (lut) {
        goesLeft.set(lut, luts * 256);
        lutOf[node] = luts++;
      } else {
        bin[node] = tree.bin[node];
        missingLeft[node] = tree.missingLeft?.[node] ? 1 : 0;
      }
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
        const node = nodeOf[r];
        const b = bins[r * F + feature[node]];
        const li = lutOf[node];
        const side = li >= 0 ? goesLeft[(li << 8) | b] : thresholdGoesLeft(b, bin[node], missingLeft[node]);
        const next = child[2 * node + side];
        nodeOf[r] = next;
        to[still] = r;
        still += (feature[next] >>> 31) ^ 1;
      }
      count = still;
      [from, to] = [to, from];
    }
    for (let r = 0; r < rows; r++) {
      if (skip !== null && skip[r] !== 0) continue;
      const at = nodeOf[r] * width;
      const o = r * K + offset;
      for (let j = 0; j < width; j++) scores[o + j] += leafValues[at + j];
    }
  }
}
