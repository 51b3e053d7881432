import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cvFolds, inferFeatures, prepareTarget, readTable } from '../data/index.ts';
import { evaluateFold, type FoldJob } from './evaluate.ts';
import { threadEvaluator } from './thread-evaluator.ts';

const table = await readTable(join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'penguins.csv'));
const t = prepareTarget(table, 'species', 'auto');
const problem = { t, features: inferFeatures(t.features), folds: cvFolds(t, 3, 0, { kind: 'kfold' }), metric: 'accuracy', seed: 0 };

describe('threadEvaluator', () => {
  it('fits folds on its threads with the same results as in this thread, more fits than threads waiting their turn', async () => {
    const e = threadEvaluator(problem, 2);
    try {
      assert.equal(e.slots, 2);
      const jobs = [0, 1, 2].flatMap((fold): FoldJob[] => [{ learner: 'gbdt', params: { n_estimators: 20 }, fold }, { learner: 'linear', params: {}, fold }]);
      const results = await Promise.all(jobs.map((j) => e.evaluate(j)));
      for (const [i, j] of jobs.entries()) {
        const here = await evaluateFold(problem, j);
        assert.equal(results[i].score, here.score, `${j.learner} fold ${j.fold}`);
        assert.deepEqual(results[i].predictions, here.predictions);
      }
    } finally {
      await e.close();
    }
  });

  it("rejects with the learner's message when a candidate fails, and goes on fitting", async () => {
    const e = threadEvaluator(problem, 1);
    try {
      await assert.rejects(e.evaluate({ learner: 'gbdt', params: { learning_rate: -1 }, fold: 0 }), /learning_rate/);
      assert.ok((await e.evaluate({ learner: 'linear', params: {}, fold: 1 })).score > 0.9);
    } finally {
      await e.close();
    }
  });
});
