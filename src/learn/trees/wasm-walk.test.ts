import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../core/random.ts';
import { fitGbdt, GBDT_DEFAULTS } from '../gbdt/gbdt.ts';
import type { FeatureMatrix } from '../matrix.ts';
import type { Forest } from './forest.ts';
import { predictRawWasm } from './wasm-walk.ts';

/** The plain definition of a walk, for reference: row r's raw score for output k. */
function reference(forest: Forest, X: FeatureMatrix, r: number, k = 0): number {
  let s = forest.base[k];
  for (let t = 0; t < forest.roots.length; t++) {
    if (forest.treeOutput[t] !== k) continue;
    let node = forest.roots[t];
    while (forest.feature[node] >= 0) {
      const f = forest.feature[node];
      const v = X.columns[f][r];
      const missingLeft = (forest.flags[node] & 1) !== 0;
      let left: boolean;
      if (Number.isNaN(v)) left = missingLeft;
      else if ((forest.flags[node] & 2) !== 0) {
        // a category code: its bit in the node's set; codes the feature does not have go where missing values go
        const c = Math.trunc(v);
        left = c >= 0 && c < forest.nCategories[f] ? ((forest.catBits[forest.catOffset[node] + (c >>> 5)] >>> (c & 31)) & 1) === 1 : missingLeft;
      } else left = v <= forest.value[node];
      node = left ? forest.left[node] : forest.right[node];
    }
    s += forest.value[node];
  }
  return s;
}

describe('WebAssembly tree walk', () => {
  it('gives exactly the reference walk, missing values, infinities and odd row counts included', () => {
    const rng = new Rng(2);
    const n = 1003;
    const odd = (f: number) => (f === 1 && rng.next() < 0.2 ? NaN : f === 2 && rng.next() < 0.05 ? (rng.next() < 0.5 ? Infinity : -Infinity) : f === 3 && rng.next() < 0.1 ? NaN : rng.next());
    const cols = Array.from({ length: 4 }, (_, f) => Float64Array.from({ length: n }, () => odd(f)));
    const y = Float64Array.from({ length: n }, (_, i) => (cols[0][i] + (Number.isNaN(cols[1][i]) ? 0.5 : cols[1][i]) > 1 ? 1 : 0));
    const X: FeatureMatrix = { rows: n, columns: cols, kinds: cols.map(() => 'numeric'), nCategories: cols.map(() => 0), names: ['a', 'b', 'c', 'd'] };
    const forest = fitGbdt(X, y, 'binary', 2, { ...GBDT_DEFAULTS, nEstimators: 20, minSamplesLeaf: 5 });
    const fast = predictRawWasm(forest, X);
    assert.ok(fast, 'a numeric forest takes the WebAssembly path');
    for (let r = 0; r < n; r++) assert.equal(fast[r], reference(forest, X, r), `row ${r}`);
  });

  it('gives exactly the reference walk with categorical splits: unknown, negative and missing codes included', () => {
    const rng = new Rng(3);
    const n = 2001;
    const nCat = [5, 40, 0, 3];
    const code = (k: number) => {
      const u = rng.next();
      return u < 0.08 ? NaN : Math.floor(rng.next() * k);
    };
    const cols = [Float64Array.from({ length: n }, () => code(5)), Float64Array.from({ length: n }, () => code(40)), Float64Array.from({ length: n }, () => (rng.next() < 0.1 ? NaN : rng.next())), Float64Array.from({ length: n }, () => code(3))];
    const y = Float64Array.from({ length: n }, (_, i) => ((cols[0][i] === 1 || cols[0][i] === 3) !== (cols[1][i] % 7 === 2) !== cols[2][i] > 0.6 ? 1 : 0));
    const X: FeatureMatrix = { rows: n, columns: cols, kinds: ['categorical', 'categorical', 'numeric', 'categorical'], nCategories: nCat, names: ['a', 'b', 'c', 'd'] };
    const forest = fitGbdt(X, y, 'binary', 2, { ...GBDT_DEFAULTS, nEstimators: 30, minSamplesLeaf: 5 });
    assert.ok(forest.flags.some((f) => (f & 2) !== 0), 'the forest has categorical splits');
    // serving sends codes the training data never had: past the categories, negative, fractional, huge
    const odd = [5, 6, 39.5, -1, -0.5, 255, 256, 1e12, Infinity, -Infinity];
    const served = X.columns.map((c, f) => Float64Array.from(c, (v, i) => (f !== 2 && i % 9 === 0 ? odd[(i / 9) % odd.length] : v)));
    const S: FeatureMatrix = { ...X, columns: served };
    // many rows walk in row lanes; a few rows (a served request) walk in tree lanes
    const few = (from: number, count: number): FeatureMatrix => ({ ...S, rows: count, columns: S.columns.map((c) => c.subarray(from, from + count)) });
    for (const M of [X, S, few(9, 1), few(0, 7), few(100, 8)]) {
      const fast = predictRawWasm(forest, M);
      assert.ok(fast, 'a forest with categorical splits takes the WebAssembly path');
      for (let r = 0; r < M.rows; r++) assert.equal(fast[r], reference(forest, M, r), `row ${r} of ${M.rows}`);
    }
    // several outputs (multiclass): each tree adds to its own class
    const y3 = Float64Array.from(y, (v, i) => v + (cols[3][i] === 2 ? 1 : 0));
    const multi = fitGbdt(X, y3, 'multiclass', 3, { ...GBDT_DEFAULTS, nEstimators: 7, minSamplesLeaf: 5 });
    for (const M of [S, few(3, 1), few(0, 5)]) {
      const fast = predictRawWasm(multi, M)!;
      for (let r = 0; r < M.rows; r++) for (let k = 0; k < 3; k++) assert.equal(fast[r * 3 + k], reference(multi, M, r, k), `row ${r} class ${k}`);
    }
  });
});
