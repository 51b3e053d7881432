import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kFold, trainTestSplit } from './split.ts';

describe('trainTestSplit', () => {
  const strata = Float64Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 1 : 0));

  it('keeps each class share in the test part and covers every row once', () => {
    const s = trainTestSplit(1000, { testFraction: 0.2, seed: 3, strata });
    assert.equal(s.test.length, 200);
    assert.equal(Array.from(s.test).filter((r) => strata[r] === 1).length, 20);
    assert.equal(new Set([...s.train, ...s.test]).size, 1000);
  });

  it('is reproducible for a seed and differs across seeds', () => {
    const a = trainTestSplit(1000, { testFraction: 0.2, seed: 3, strata });
    assert.deepEqual(a.test, trainTestSplit(1000, { testFraction: 0.2, seed: 3, strata }).test);
    assert.notDeepEqual(a.test, trainTestSplit(1000, { testFraction: 0.2, seed: 4, strata }).test);
  });

  it('rejects a fraction outside (0, 1)', () => {
    assert.throws(() => trainTestSplit(10, { testFraction: 1, seed: 0 }), /testFraction must be in \(0, 1\)/);
  });
});

describe('kFold', () => {
  it('balances fold sizes and classes', () => {
    const strata = Float64Array.from({ length: 100 }, (_, i) => (i < 30 ? 1 : 0));
    const fold = kFold(100, 5, 0, strata);
    for (let k = 0; k < 5; k++) {
      const rows = Array.from(fold.keys()).filter((r) => fold[r] === k);
      assert.equal(rows.length, 20);
      assert.equal(rows.filter((r) => strata[r] === 1).length, 6);
    }
  });
});

describe('groupKFold and timeSeriesSplits', () => {
  it('keeps groups whole and balances fold sizes', async () => {
    const { groupKFold } = await import('./split.ts');
    const groups = Array.from({ length: 100 }, (_, i) => `g${i % 13}`);
    const fold = groupKFold(groups, 4);
    const where = new Map<string, number>();
    groups.forEach((g, i) => {
      if (where.has(g)) assert.equal(where.get(g), fold[i]);
      where.set(g, fold[i]);
    });
    assert.throws(() => groupKFold(['a', 'a'], 2), /needs at least 2 groups/);
  });

  it('time-series splits train only on the past', async () => {
    const { timeSeriesSplits } = await import('./split.ts');
    const splits = timeSeriesSplits(100, 4);
    assert.equal(splits.length, 4);
    for (const s of splits) assert.ok(s.train[s.train.length - 1] < s.test[0]);
    assert.equal(splits[3].test[splits[3].test.length - 1], 99);
  });
});
