import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cvFolds, inferFeatures, prepareTarget, readTable } from '../data/index.ts';
import { searchModels } from './search.ts';

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
});
