import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../core/random.ts';
import { fitGbdt, GBDT_DEFAULTS } from '../gbdt/gbdt.ts';
import type { FeatureMatrix } from '../matrix.ts';
import type { Forest } from './forest.ts';
import { predictRawWasm } from './wasm-walk.ts';

/** The plain definition of a walk, for reference. */
function reference(forest: Forest, X: FeatureMatrix, r: number): number {
  let s = forest.base[0];
  for (let t = 0; t < forest.roots.length; t++) {
    let node = forest.roots[t];
    while (forest.feature[node] >= 0) {
      const v = X.columns[forest.feature[node]][r];
      const left = Number.isNaN(v) ? (forest.flags[node] & 1) !== 0 : v <= forest.value[node];
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

  it('declines forests with categorical splits (they take the general walk)', () => {
    const n = 300;
    const c = Float64Array.from({ length: n }, (_, i) => i % 4);
    const y = Float64Array.from(c, (v) => (v === 1 || v === 3 ? 1 : 0));
    const X: FeatureMatrix = { rows: n, columns: [c], kinds: ['categorical'], nCategories: [4], names: ['c'] };
    assert.equal(predictRawWasm(fitGbdt(X, y, 'binary', 2, { ...GBDT_DEFAULTS, nEstimators: 3 }), X), null);
  });
});
