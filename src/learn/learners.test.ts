import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkEstimator } from './check-estimator.ts';
import { LEARNERS } from './learners.ts';
import { resolveParams } from './estimator.ts';

// small but real settings so the battery stays quick
const FAST: Record<string, Record<string, number>> = { gbdt: { n_estimators: 30 }, forest: { n_estimators: 20 } };

describe('checkEstimator battery', () => {
  for (const learner of Object.values(LEARNERS)) {
    for (const task of learner.tasks) {
      it(`${learner.name} (${task})`, () => {
        const failed = checkEstimator(learner.name, task, FAST[learner.name]).filter((r) => !r.ok);
        assert.deepEqual(failed, []);
      });
    }
  }

  it('rejects bad parameters naming the parameter and its range', () => {
    assert.throws(() => resolveParams(LEARNERS.gbdt, { n_estimators: -1 }), /parameter n_estimators must be an integer >= 1 and <= 100000, got -1/);
    assert.throws(() => resolveParams(LEARNERS.linear, { C: 0 }), /parameter C must be a number > 0, got 0/);
    assert.throws(() => resolveParams(LEARNERS.forest, { bootstrap: 2 }), /parameter bootstrap must be 0 or 1, got 2/);
    assert.throws(() => resolveParams(LEARNERS.knn, { k: 3 }), /unknown parameter "k" for learner knn \(allowed: n_neighbors, weights\)/);
  });
});
