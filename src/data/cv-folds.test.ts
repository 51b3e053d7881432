import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cvFolds } from './cv-folds.ts';
import type { PreparedTarget } from './target.ts';

const rows = 60;
const t: PreparedTarget = {
  spec: { name: 'y', task: 'binary', classes: ['a', 'b'] },
  y: Float64Array.from({ length: rows }, (_, i) => (i % 4 === 0 ? 1 : 0)),
  features: { rows, columns: [{ kind: 'numeric', name: 'x', values: Float64Array.from({ length: rows }, (_, i) => i) }] },
  droppedMissingTarget: 0,
};

describe('cvFolds', () => {
  it('repeats K-fold with fresh shuffles: every repeat a partition of the rows, the first one the unrepeated folds', () => {
    const once = cvFolds(t, 5, 7, { kind: 'kfold' });
    const thrice = cvFolds(t, 5, 7, { kind: 'kfold', repeats: 3 });
    assert.equal(thrice.length, 15);
    assert.deepEqual(thrice.slice(0, 5), once);
    for (let r = 0; r < 3; r++) {
      const tested = thrice.slice(r * 5, r * 5 + 5).flatMap((f) => f.test).sort((a, b) => a - b);
      assert.deepEqual(tested, Array.from({ length: rows }, (_, i) => i));
      for (const f of thrice.slice(r * 5, r * 5 + 5)) assert.equal(f.train.length + f.test.length, rows);
    }
    assert.notDeepEqual(thrice[5].test, thrice[0].test);
  });

  it('rejects repeats that are not a positive integer', () => {
    assert.throws(() => cvFolds(t, 5, 0, { kind: 'kfold', repeats: 0 }), /repeats must be an integer >= 1, got 0/);
  });
});
