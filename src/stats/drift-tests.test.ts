import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { encodeStrings, numericColumn } from '../core/table.ts';
import { chooseTest, datasetDrift, featureDrift, sortFloats } from './drift-tests.ts';

const num = (values: number[]) => ({ kind: 'column', column: numericColumn('x', Float64Array.from(values)) }) as const;
const cat = (values: (string | null)[]) => ({ kind: 'column', column: encodeStrings('c', values) }) as const;
const range = (n: number, shift = 0) => Array.from({ length: n }, (_, i) => (i % 97) + shift);

test('the test is chosen by kind and by the smaller sample: p-value tests up to 1000 values, distances above', () => {
  assert.equal(chooseTest(true, 500, false), 'ks');
  assert.equal(chooseTest(true, 5000, false), 'wasserstein');
  assert.equal(chooseTest(true, 5000, true), 'psi');
  assert.equal(chooseTest(false, 500, false), 'chi_squared');
  assert.equal(chooseTest(false, 5000, false), 'jensen_shannon');
  assert.equal(chooseTest(true, 5000, false, { numericTest: 'ks' }), 'ks');
  assert.equal(featureDrift('x', num(range(400)), num(range(400, 30))).test, 'ks');
  assert.equal(featureDrift('x', num(range(4000)), num(range(4000, 30))).test, 'wasserstein');
});

test('each result carries its test, statistic, threshold and verdict', () => {
  const same = featureDrift('x', num(range(400)), num(range(400)));
  assert.deepEqual([same.status, same.test, same.statistic, same.drifted, same.threshold], ['tested', 'ks', 0, false, 0.05]);
  const shifted = featureDrift('x', num(range(4000)), num(range(4000, 30)));
  assert.equal(shifted.drifted, true);
  assert.ok(shifted.statistic! > 0.1 && shifted.pValue === null);
  const c = featureDrift('c', cat(Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 'a' : 'b'))), cat(Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 'b' : 'a'))));
  assert.equal(c.test, 'chi_squared');
  assert.equal(c.drifted, true);
  assert.ok(c.pValue! < 1e-10);
});

test('degenerate windows give a status, never an exception', () => {
  assert.equal(featureDrift('x', num(range(100)), num([])).status, 'empty');
  const missing = featureDrift('x', num(range(100)), num([NaN, NaN]));
  assert.deepEqual([missing.status, missing.missingShare, missing.drifted], ['all_missing', 1, false]);
  assert.equal(featureDrift('x', num(range(100)), num([3])).status, 'too_few');
  assert.equal(featureDrift('c', cat(['a', 'b', 'a']), cat([null, null])).status, 'all_missing');
  // a constant reference: its spread is floored, the distance still answers
  const constant = featureDrift('x', num(new Array(2000).fill(1)), num(new Array(2000).fill(1)));
  assert.deepEqual([constant.status, constant.statistic, constant.drifted], ['tested', 0, false]);
  // only categories never seen in the reference: drift
  const unseen = featureDrift('c', cat(Array.from({ length: 40 }, (_, i) => 'ab'[i % 2])), cat(Array.from({ length: 30 }, (_, i) => 'zy'[i % 2])));
  assert.equal(unseen.status, 'tested');
  assert.equal(unseen.drifted, true);
});

test('dataset drift: the share of drifted features against the threshold, the drifted ranked by importance', () => {
  const f = (name: string, drifted: boolean, importance: number) => ({ ...featureDrift(name, num(range(50)), num(range(50))), name, drifted, importance });
  const r = datasetDrift([f('a', true, 0.1), f('b', true, 0.9), f('c', false, 0.5), { ...featureDrift('d', num(range(5)), num([])), importance: 1 }]);
  assert.deepEqual(r.drifted, ['b', 'a']);
  assert.equal(r.share, 2 / 3);
  assert.equal(r.datasetDrift, true);
  assert.equal(datasetDrift([f('a', true, 0), f('c', false, 0), f('e', false, 0)]).datasetDrift, false);
});

test('sortFloats orders like the built-in sort: negatives, zeros, ties, infinities, tiny and huge values', () => {
  const values = Float64Array.from({ length: 5000 }, (_, i) => [-1e300, -2.5, -0, 0, 1e-310, 3, Infinity, -Infinity][i % 8] * (i % 5 === 0 ? 1 : (i % 13) + 1) + (i % 3 === 0 ? 0 : Math.sin(i)));
  const want = Float64Array.from(values).sort();
  assert.deepEqual(Array.from(sortFloats(Float64Array.from(values))), Array.from(want));
  const ints = Float64Array.from({ length: 3000 }, (_, i) => (i * 7919) % 50);
  assert.deepEqual(Array.from(sortFloats(Float64Array.from(ints))), Array.from(Float64Array.from(ints).sort()));
});
