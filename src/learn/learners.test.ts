import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkEstimator } from './check-estimator.ts';
import { LEARNERS } from './learners.ts';
import { resolveParams } from './estimator.ts';

// small but real settings so the battery stays quick
const FAST: Record<string, Record<string, number>> = { gbdt: { n_estimators: 30 }, forest: { n_estimators: 20 }, kmeans: { n_clusters: 3 } };

describe('checkEstimator battery', () => {
  for (const learner of Object.values(LEARNERS)) {
    for (const task of learner.tasks) {
      it(`${learner.name} (${task})`, async () => {
        const failed = (await checkEstimator(learner.name, task, FAST[learner.name])).filter((r) => !r.ok);
        assert.deepEqual(failed, []);
      });
    }
  }

  it('rejects bad parameters naming the parameter and its range', () => {
    assert.throws(() => resolveParams(LEARNERS.gbdt, { n_estimators: -1 }), /parameter n_estimators must be an integer >= 1 and <= 100000, got -1/);
    assert.throws(() => resolveParams(LEARNERS.linear, { C: 0 }), /parameter C must be a number > 0, got 0/);
    assert.throws(() => resolveParams(LEARNERS.forest, { bootstrap: 2 }), /parameter bootstrap must be 0 or 1, got 2/);
    assert.throws(() => resolveParams(LEARNERS.knn, { k: 3 }), /unknown parameter "k" for learner knn \(allowed: n_neighbors, weights, impute, scaler, categorical\)/);
  });
});

describe('forest on worker threads', () => {
  it('grows the same forest with 2 threads as with 1 (trees depend on their seed, not on the thread)', async () => {
    const { checkTable } = await import('./check-estimator.ts');
    const { trainModel } = await import('./train.ts');
    const { predictTable } = await import('./model.ts');
    const { table, y, target, features } = checkTable('multiclass');
    const one = await trainModel(table, y, target, features, { learner: 'forest', params: { n_estimators: 12 }, seed: 5, threads: 1 });
    const two = await trainModel(table, y, target, features, { learner: 'forest', params: { n_estimators: 12 }, seed: 5, threads: 2 });
    assert.deepEqual(predictTable(two, table).proba, predictTable(one, table).proba);
    assert.deepEqual(two.fitted.state().meta, one.fitted.state().meta);
  });

  it('scores the out-of-bag rows only when asked (oob_score=1, as scikit-learn), the same on 1 and 2 threads', async () => {
    const { checkTable } = await import('./check-estimator.ts');
    const { trainModel } = await import('./train.ts');
    const { table, y, target, features } = checkTable('binary');
    const fit = (params: Record<string, number>, threads: number) => trainModel(table, y, target, features, { learner: 'forest', params: { n_estimators: 12, ...params }, seed: 5, threads });
    assert.equal((await fit({}, 1)).fitted.state().meta.oob_score, undefined);
    const one = (await fit({ oob_score: 1 }, 1)).fitted.state().meta.oob_score as number;
    assert.ok(one > 0.5 && one <= 1, `oob_score ${one}`);
    assert.equal((await fit({ oob_score: 1 }, 2)).fitted.state().meta.oob_score, one);
    assert.equal((await fit({ oob_score: 1, bootstrap: 0 }, 1)).fitted.state().meta.oob_score, undefined);
  });

  it('grows the same trees with its JavaScript loops as with its WebAssembly arena (classes with leaf sizes, values)', async () => {
    const { checkTable } = await import('./check-estimator.ts');
    const { trainModel } = await import('./train.ts');
    const { predictTable } = await import('./model.ts');
    const { FOREST_ARENA_BUDGET } = await import('./forest/wasm-forest.ts');
    for (const [task, params] of [['multiclass', { n_estimators: 6, min_samples_leaf: 3 }], ['binary', { n_estimators: 6 }], ['regression', { n_estimators: 6 }]] as const) {
      const { table, y, target, features } = checkTable(task);
      const fit = () => trainModel(table, y, target, features, { learner: 'forest', params, seed: 2, threads: 1 });
      const wasm = await fit();
      const saved = FOREST_ARENA_BUDGET.bytes;
      FOREST_ARENA_BUDGET.bytes = 0;
      try {
        const js = await fit();
        assert.deepEqual(predictTable(js, table), predictTable(wasm, table), task);
        assert.deepEqual(js.fitted.state().meta, wasm.fitted.state().meta, task);
      } finally {
        FOREST_ARENA_BUDGET.bytes = saved;
      }
    }
  });
});

describe('hostile inputs', () => {
  it('a categorical with 100 000 levels trains quickly on every learner (rare levels grouped, never a hang)', async () => {
    const { encodeStrings, numericColumn } = await import('../core/table.ts');
    const { trainModel } = await import('./train.ts');
    const { inferFeatures } = await import('../data/index.ts');
    const n = 100_000;
    const x = Float64Array.from({ length: n }, (_, i) => i % 97);
    const table = { rows: n, columns: [numericColumn('x', x), encodeStrings('id', Array.from({ length: n }, (_, i) => `id${i}`))] };
    const y = Float64Array.from(x, (v) => (v > 48 ? 1 : 0));
    for (const learner of ['gbdt', 'linear', 'bayes']) {
      const t0 = performance.now();
      const m = await trainModel(table, y, { name: 'y', task: 'binary', classes: ['0', '1'] }, inferFeatures(table), { learner, params: learner === 'gbdt' ? { n_estimators: 5 } : {}, seed: 0 });
      assert.ok(m.fitted, learner);
      assert.ok(performance.now() - t0 < 60_000, `${learner} took too long`);
    }
  });
});

describe('enum parameters', () => {
  it('accept their words and reject others, naming the choices', () => {
    assert.equal(resolveParams<{ scaler: string }>(LEARNERS.linear, { scaler: 'robust' }).scaler, 'robust');
    assert.throws(() => resolveParams(LEARNERS.linear, { scaler: 'minmax' }), /parameter scaler must be one of standard, robust, none, got minmax/);
    assert.throws(() => resolveParams(LEARNERS.linear, { C: 'big' }), /parameter C must be a number, got big/);
  });
});

describe('gbdt on two threads', () => {
  it('builds histograms on a helper thread and grows exactly the trees one thread grows (integer histogram sums)', async () => {
    const { fitGbdt, GBDT_DEFAULTS } = await import('./gbdt/gbdt.ts');
    const { predictRaw } = await import('./trees/forest.ts');
    const { Rng } = await import('../core/random.ts');
    const n = 60_000;
    const rng = new Rng(3);
    const cols = Array.from({ length: 6 }, () => Float64Array.from({ length: n }, () => rng.next()));
    const y = Float64Array.from({ length: n }, (_, i) => (cols[0][i] + cols[1][i] * cols[2][i] + 0.3 * rng.next() > 0.9 ? 1 : 0));
    const X = { rows: n, columns: cols, kinds: cols.map(() => 'numeric' as const), nCategories: cols.map(() => 0), names: cols.map((_, i) => `f${i}`) };
    const { ARENA_BUDGET } = await import('./gbdt/wasm-hist.ts');
    const saved = ARENA_BUDGET.bytes;
    try {
      // the helper thread serves fits too large for the WebAssembly arena (budget 0 here); with row counts (20) and without
      for (const budget of [saved, 0]) {
        ARENA_BUDGET.bytes = budget;
        for (const minSamplesLeaf of [20, 1]) {
          const params = { ...GBDT_DEFAULTS, nEstimators: 8, earlyStopping: 0, minSamplesLeaf };
          const one = fitGbdt(X, y, 'binary', 2, params, 1);
          const two = fitGbdt(X, y, 'binary', 2, params, 2);
          assert.deepEqual(predictRaw(two, X), predictRaw(one, X));
        }
      }
    } finally {
      ARENA_BUDGET.bytes = saved;
    }
  });
});
