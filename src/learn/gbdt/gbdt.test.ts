import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../core/random.ts';
import type { FeatureMatrix } from '../matrix.ts';
import { takeMatrixRows } from '../matrix.ts';
import { rocAuc } from '../metrics/classification.ts';
import { r2 } from '../metrics/regression.ts';
import { fitGbdt, GBDT_DEFAULTS } from './gbdt.ts';
import { ARENA_BUDGET } from './wasm-hist.ts';
import { predictRaw } from '../trees/forest.ts';
import { forestFromArrays, forestToArrays } from '../trees/serialize.ts';

/** y depends on a numeric interaction, a categorical and on missingness itself, so each split kind must work to score well. */
function synthetic(n: number, seed: number): { X: FeatureMatrix; y: Float64Array } {
  const rng = new Rng(seed);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const c = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = rng.next() * 2 - 1;
    b[i] = rng.next() < 0.2 ? NaN : rng.next() * 2 - 1;
    c[i] = rng.int(6);
    const logit = 3 * a[i] * (Number.isNaN(b[i]) ? -1 : Math.sign(b[i])) + (c[i] === 2 || c[i] === 5 ? 2 : -1) + (Number.isNaN(b[i]) ? 1.5 : 0);
    y[i] = rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return { X: { rows: n, columns: [a, b, c], kinds: ['numeric', 'numeric', 'categorical'], nCategories: [0, 0, 6], names: ['a', 'b', 'c'] }, y };
}

describe('fitGbdt', () => {
  const train = synthetic(4000, 1);
  const test = synthetic(2000, 2);

  it('learns numeric interactions, categorical sets and missingness (binary)', () => {
    const f = fitGbdt(train.X, train.y, 'binary', 2, GBDT_DEFAULTS);
    // raw scores are monotone in the probability, so their AUC is the model's
    const auc = rocAuc(test.y, predictRaw(f, test.X));
    assert.ok(auc > 0.85, `test AUC ${auc}`);
  });

  it('a categorical of many small levels that carry no signal costs little; one of many levels that does is still used', () => {
    // a standard normal draw (Box-Muller)
    const normal = (r: Rng) => Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());
    // y = a smooth function of x + an effect per level of `group` (40 levels) + noise; `noise` has 150 levels of ~20 rows each
    const data = (n: number, seed: number, effects: Float64Array) => {
      const rng = new Rng(seed);
      const x = new Float64Array(n);
      const group = new Float64Array(n);
      const noise = new Float64Array(n);
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        x[i] = rng.next() * 4 - 2;
        group[i] = rng.int(40);
        noise[i] = rng.int(150);
        y[i] = 3 * Math.sin(2 * x[i]) + effects[group[i]] + normal(rng);
      }
      return { x, group, noise, y, n };
    };
    const rng = new Rng(7);
    const effects = Float64Array.from({ length: 40 }, () => 1.5 * normal(rng));
    const tr = data(3000, 11, effects);
    const te = data(3000, 12, effects);
    const matrix = (d: typeof tr, withNoise: boolean): FeatureMatrix => ({ rows: d.n, columns: withNoise ? [d.x, d.group, d.noise] : [d.x, d.group], kinds: withNoise ? ['numeric', 'categorical', 'categorical'] : ['numeric', 'categorical'], nCategories: withNoise ? [0, 40, 150] : [0, 40], names: withNoise ? ['x', 'group', 'noise'] : ['x', 'group'] });
    const score = (withNoise: boolean) => r2(te.y, predictRaw(fitGbdt(matrix(tr, withNoise), tr.y, 'regression', 0, GBDT_DEFAULTS), matrix(te, withNoise)));
    const without = score(false);
    const withNoise = score(true);
    // the best possible R2 here is about 0.87 (the noise's variance is 1); the group's effects are worth about 0.3 of it
    assert.ok(without > 0.8, `R2 without the noise column ${without}`);
    assert.ok(withNoise > without - 0.01, `R2 with a 150-level noise column ${withNoise} vs ${without} without`);
  });

  it('is deterministic for a seed', () => {
    const a = fitGbdt(train.X, train.y, 'binary', 2, { ...GBDT_DEFAULTS, nEstimators: 10 });
    const b = fitGbdt(train.X, train.y, 'binary', 2, { ...GBDT_DEFAULTS, nEstimators: 10 });
    assert.deepEqual(predictRaw(a, test.X), predictRaw(b, test.X));
  });

  it('predicts one row exactly as in a batch', () => {
    const f = fitGbdt(train.X, train.y, 'binary', 2, { ...GBDT_DEFAULTS, nEstimators: 20 });
    const batch = predictRaw(f, test.X);
    for (const r of [0, 7, 1999]) assert.equal(predictRaw(f, takeMatrixRows(test.X, [r]))[0], batch[r]);
  });

  it('round-trips through its arrays and rejects corrupt child indices', () => {
    const f = fitGbdt(train.X, train.y, 'binary', 2, { ...GBDT_DEFAULTS, nEstimators: 5 });
    const arrays = forestToArrays(f);
    assert.deepEqual(predictRaw(forestFromArrays(arrays, 3), test.X), predictRaw(f, test.X));
    const bad = { ...arrays, 'forest.left': Int32Array.from(arrays['forest.left'] as Int32Array, (v) => (v > 0 ? 0 : v)) };
    assert.throws(() => forestFromArrays(bad, 3), /children of node/);
  });

  it('grows the same trees with its JavaScript kernels as with its WebAssembly arena (every task, subsampling, leaf sizes)', () => {
    const { X } = train;
    const settings = [
      { task: 'binary', y: train.y, K: 2, extra: { minSamplesLeaf: 1, earlyStopping: 1 } },
      { task: 'multiclass', y: X.columns[2].map((v) => v % 3), K: 3, extra: { subsample: 0.7, colsample: 0.6 } },
      { task: 'regression', y: X.columns[0].map((v, i) => 3 * v + (train.y[i] ?? 0)), K: 1, extra: { earlyStopping: 1 } },
    ] as const;
    for (const { task, y, K, extra } of settings) {
      const params = { ...GBDT_DEFAULTS, nEstimators: 12, seed: 4, ...extra };
      const wasm = forestToArrays(fitGbdt(X, y, task, K, params));
      const saved = ARENA_BUDGET.bytes;
      ARENA_BUDGET.bytes = 0;
      try {
        assert.deepEqual(forestToArrays(fitGbdt(X, y, task, K, params)), wasm, task);
      } finally {
        ARENA_BUDGET.bytes = saved;
      }
    }
  });

  it('grows the same trees on 1, 2 and 4 threads (every task, subsampling, leaf sizes)', () => {
    // enough rows for four shards of rows, each past the size at which helpers are woken
    const big = synthetic(20_000, 3);
    const { X } = big;
    const settings = [
      { task: 'binary', y: big.y, K: 2, extra: { minSamplesLeaf: 1, earlyStopping: 1 } },
      { task: 'multiclass', y: X.columns[2].map((v) => v % 3), K: 3, extra: { subsample: 0.7, colsample: 0.6 } },
      { task: 'regression', y: X.columns[0].map((v, i) => 3 * v + big.y[i]), K: 1, extra: { earlyStopping: 1 } },
    ] as const;
    for (const { task, y, K, extra } of settings) {
      const params = { ...GBDT_DEFAULTS, nEstimators: 12, seed: 4, ...extra };
      const one = forestToArrays(fitGbdt(X, y, task, K, params, 1));
      for (const threads of [2, 4]) assert.deepEqual(forestToArrays(fitGbdt(X, y, task, K, params, threads)), one, `${task}, ${threads} threads`);
    }
  });

  it('fits regression and multiclass', () => {
    const yReg = Float64Array.from({ length: train.X.rows }, (_, i) => 2 * train.X.columns[0][i] + (train.X.columns[2][i] === 3 ? 1 : 0));
    const reg = fitGbdt(train.X, yReg, 'regression', 1, GBDT_DEFAULTS);
    assert.ok(r2(yReg, predictRaw(reg, train.X)) > 0.95);
    const yMulti = Float64Array.from(train.X.columns[2], (c) => c % 3);
    const multi = fitGbdt(train.X, yMulti, 'multiclass', 3, { ...GBDT_DEFAULTS, nEstimators: 10 });
    const raw = predictRaw(multi, train.X);
    let ok = 0;
    for (let i = 0; i < train.X.rows; i++) {
      const row = [raw[3 * i], raw[3 * i + 1], raw[3 * i + 2]];
      if (row.indexOf(Math.max(...row)) === yMulti[i]) ok++;
    }
    assert.equal(ok, train.X.rows);
  });

  it('rejects bad parameters naming them, and an empty training set', () => {
    assert.throws(() => fitGbdt(train.X, train.y, 'binary', 2, { ...GBDT_DEFAULTS, nEstimators: -1 }), /n_estimators must be an integer >= 1, got -1/);
    assert.throws(() => fitGbdt(train.X, train.y, 'binary', 2, { ...GBDT_DEFAULTS, learningRate: 0 }), /learning_rate/);
    assert.throws(() => fitGbdt(takeMatrixRows(train.X, []), new Float64Array(0), 'binary', 2), /empty training set/);
  });
});

describe('gbdt target_transform=log (regression)', () => {
  // a price-like target: multiplicative effects, so log(1 + y) is additive in the features
  const rng = new Rng(3);
  const n = 3000;
  const a = Float64Array.from({ length: n }, () => rng.next() * 4);
  const b = Float64Array.from({ length: n }, () => rng.int(4));
  const y = Float64Array.from({ length: n }, (_, i) => Math.exp(1 + a[i] + 0.5 * b[i] + 0.1 * (rng.next() - 0.5)) - 1);
  const X: FeatureMatrix = { rows: n, columns: [a, b], kinds: ['numeric', 'categorical'], nCategories: [0, 4], names: ['a', 'b'] };
  const info = { task: 'regression' as const, nClasses: 1 };
  const params = { ...GBDT_DEFAULTS, targetTransform: 'log' };

  it('fits log(1 + y), answers on the target scale, and keeps the transform through save and load', async () => {
    const { gbdtLearner } = await import('./index.ts');
    const m = await gbdtLearner.fit(X, y, info, params, 0, 1);
    const out = m.predict(X);
    assert.ok(r2(y, out) > 0.95, `r2 ${r2(y, out)}`);
    assert.ok(out.every((v) => v > -1));
    const { meta, arrays } = m.state();
    assert.equal(meta.target_transform, 'log');
    assert.deepEqual(Array.from(gbdtLearner.load(JSON.parse(JSON.stringify(meta)), arrays, 2, info).predict(X)), Array.from(out));
    const plain = await gbdtLearner.fit(X, y, info, { ...GBDT_DEFAULTS }, 0, 1);
    assert.notDeepEqual(Array.from(plain.predict(X)), Array.from(out));
  });

  it('is refused for classification and for targets at or below -1, naming the parameter', async () => {
    const { gbdtLearner } = await import('./index.ts');
    assert.throws(() => gbdtLearner.fit(X, y.map((v) => (v > 10 ? 1 : 0)), { task: 'binary', nClasses: 2 }, params, 0, 1), /target_transform=log applies to regression only/);
    assert.throws(() => gbdtLearner.fit(X, y.map((v) => v - 100), info, params, 0, 1), /target_transform=log needs every target above -1/);
  });
});
