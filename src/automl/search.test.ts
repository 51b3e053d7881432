import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cvFolds, inferFeatures, prepareTarget, readTable } from '../data/index.ts';
import { ensemblePool, searchModels, type Candidate } from './search.ts';

const table = await readTable(join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'penguins.csv'));
const t = prepareTarget(table, 'species', 'auto');
const features = inferFeatures(t.features);
const folds = cvFolds(t, 3, 0, { kind: 'kfold' });
const problem = (seed: number) => ({ t, features, folds, metric: 'accuracy', seed });

describe('searchModels', () => {
  it('with a budget too small for any full cross-validation, still returns the best first-fold candidate, flagged', async () => {
    // a clock that moves a second per reading: the first fit already overruns a 3 s budget
    let clock = 0;
    const r = await searchModels(problem(0), { budgetSeconds: 3, now: () => clock++ });
    assert.equal(r.candidates.length, 1);
    assert.equal(r.best.status, 'pruned');
    assert.match(r.best.note ?? '', /(stopped at the budget deadline|would not fit in the budget); chosen on the first fold alone/);
    assert.equal(r.best.foldScores.length, 1);
  });

  it('prunes candidates whose first fold is below the median, and never repeats parameters', async () => {
    const r = await searchModels(problem(1), { budgetSeconds: 1e6, trials: 14 });
    assert.equal(r.candidates.length, 14);
    const keys = r.candidates.map((c) => c.learner + JSON.stringify(c.params));
    assert.equal(new Set(keys).size, keys.length);
    for (const c of r.candidates.filter((x) => x.status === 'pruned')) assert.equal(c.foldScores.length, 1);
    for (const c of r.candidates.filter((x) => x.status === 'complete')) assert.equal(c.foldScores.length, 3);
  });

  it('with repeated folds, a complete candidate has every fold of every repeat and its out-of-fold rows are their mean', async () => {
    const repeated = cvFolds(t, 3, 0, { kind: 'kfold', repeats: 2 });
    const r = await searchModels({ t, features, folds: repeated, metric: 'accuracy', seed: 0 }, { budgetSeconds: 1e6, trials: 6, learners: ['linear', 'knn'] });
    const complete = r.candidates.filter((c) => c.status === 'complete');
    assert.ok(complete.length > 0);
    for (const c of complete) assert.equal(c.foldScores.length, 6);
    // probabilities averaged over the two repeats still sum to one per row (summed, they would sum to two)
    for (const [, p] of r.oof) for (let row = 0; row < t.features.rows; row++) assert.ok(Math.abs(p[row * 3] + p[row * 3 + 1] + p[row * 3 + 2] - 1) < 1e-9, `row ${row}`);
  });
});

describe('ensemblePool', () => {
  it('keeps the best 12 overall and the best 3 of every learner, so families can blend', () => {
    const c = (id: number, learner: string, cvMean: number): Candidate => ({ id, learner, params: {}, foldScores: [cvMean], cvMean, cvStd: 0, fitSeconds: 1, predictSeconds: 0, predictedRows: 0, status: 'complete' });
    const board = [...Array.from({ length: 20 }, (_, i) => c(i, 'gbdt', 0.9 - i * 0.001)), ...Array.from({ length: 5 }, (_, i) => c(20 + i, 'linear', 0.8 - i * 0.01))];
    const ids = ensemblePool(board, 1).map((x) => x.id);
    assert.deepEqual(ids, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 20, 21, 22]);
    // lower-is-better metrics rank the other way
    assert.deepEqual(ensemblePool([c(0, 'gbdt', 0.5), c(1, 'gbdt', 0.2)], -1).map((x) => x.id), [1, 0]);
  });
});
