import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../core/random.ts';
import { binGoesLeft, type BinTree } from './flatten.ts';
import { TreeScorer } from './tree-scorer.ts';

/** A random bin-space tree of `leaves` leaves grown at random leaves (uneven depths), numeric splits and bin tables mixed. */
function randomTree(rng: Rng, F: number, leaves: number): BinTree {
  const t: BinTree = { feature: [-1], lut: [null], missingLeft: [false], bin: [-1], left: [-1], right: [-1], value: [rng.next()] };
  const open = [0];
  while (open.length < leaves) {
    const node = open.splice(rng.int(open.length), 1)[0];
    t.feature[node] = rng.int(F);
    t.bin[node] = rng.int(255);
    t.missingLeft![node] = rng.next() < 0.5;
    t.lut[node] = rng.next() < 0.5 ? Uint8Array.from({ length: 256 }, () => (rng.next() < 0.5 ? 1 : 0)) : null;
    for (const side of ['left', 'right'] as const) {
      t[side][node] = t.feature.length;
      open.push(t.feature.length);
      t.feature.push(-1);
      t.lut.push(null);
      t.missingLeft!.push(false);
      t.bin.push(-1);
      t.left.push(-1);
      t.right.push(-1);
      t.value.push(rng.next() * 2 - 1);
    }
  }
  return t;
}

/** The plain walk the scorer replaces: the leaf holding row r. */
function leafOf(t: BinTree, bins: Uint8Array, F: number, r: number): number {
  let node = 0;
  while (t.feature[node] >= 0) node = binGoesLeft(t, node, bins[r * F + t.feature[node]]) ? t.left[node] : t.right[node];
  return node;
}

describe('TreeScorer', () => {
  it('adds what a walk of each row through each tree gives, for uneven trees, a single leaf, several outputs and skipped rows', () => {
    const rng = new Rng(7);
    const F = 5;
    const rows = 3000;
    const bins = Uint8Array.from({ length: rows * F }, () => rng.int(256));
    const skip = Uint8Array.from({ length: rows }, () => (rng.next() < 0.3 ? 1 : 0));
    const scorer = new TreeScorer(bins, F);
    const K = 2;
    const got = new Float64Array(rows * K);
    const want = new Float64Array(rows * K);
    const trees = [randomTree(rng, F, 1), randomTree(rng, F, 2), randomTree(rng, F, 31), randomTree(rng, F, 200)];
    trees.forEach((tree, i) => {
      const k = i % K;
      const skipped = i % 2 === 1 ? skip : null;
      scorer.add(tree, got, K, k, skipped);
      for (let r = 0; r < rows; r++) if (!skipped || skipped[r] === 0) want[r * K + k] += tree.value[leafOf(tree, bins, F, r)];
    });
    assert.deepEqual(got, want);
  });

  it("adds a forest's leaf vectors (threshold splits only) to all K outputs", () => {
    const rng = new Rng(11);
    const F = 4;
    const rows = 2000;
    const K = 3;
    const bins = Uint8Array.from({ length: rows * F }, () => (rng.next() < 0.1 ? 255 : rng.int(255)));
    const tree = randomTree(rng, F, 300);
    tree.lut = tree.lut.map(() => null);
    tree.vectors = tree.feature.map((f) => (f < 0 ? Float64Array.from({ length: K }, () => rng.next()) : null));
    const weights = Float64Array.from({ length: rows }, () => rng.int(3));
    const got = new Float64Array(rows * K);
    new TreeScorer(bins, F).add(tree, got, K, 0, weights);
    const want = new Float64Array(rows * K);
    for (let r = 0; r < rows; r++) if (weights[r] === 0) want.set(tree.vectors[leafOf(tree, bins, F, r)]!, r * K);
    assert.deepEqual(got, want);
  });
});
