import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../core/random.ts';
import { histogramBin, describeNumbers, edgesOf, EXACT_DISTINCT_UP_TO } from './describe-numbers.ts';

const QS = [0.01, 0.5, 0.99];

/** The definitions, value by value. */
function reference(values: number[]) {
  const v = values.filter((x) => !Number.isNaN(x));
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
  const min = Math.min(...v);
  const max = Math.max(...v);
  const edges = edgesOf(min, max);
  const counts = new Array(edges.length - 1).fill(0);
  for (const x of v) counts[histogramBin(x, edges)]++;
  return { count: v.length, mean, std, min, max, distinct: new Set(v.map((x) => x + 0)).size, counts };
}

test('moments, range, exact distinct count and histogram agree with the definitions, edge values included', () => {
  const rng = new Rng(5);
  const edges = edgesOf(-1e-17, 1 + 1e-16);
  // values exactly on every edge, and right beside them, plus gaps and both zeros
  const values = [...edges, ...edges.map((e) => e - 1e-17), ...edges.map((e) => e + 1e-16), 0, -0, NaN, NaN];
  for (let i = 0; i < 5000; i++) values.push(rng.next());
  const want = reference(values);
  const got = describeNumbers(Float64Array.from(values), QS);
  assert.equal(got.count, want.count);
  assert.equal(got.distinct, want.distinct);
  assert.deepEqual(got.histogram.counts, want.counts);
  assert.deepEqual(got.histogram.edges, edgesOf(want.min, want.max));
  assert.ok(Math.abs(got.mean - want.mean) < 1e-12 && Math.abs(got.std - want.std) < 1e-12);
  assert.equal(got.min, want.min);
  assert.equal(got.max, want.max);
  assert.equal(got.integral, false);
});

test('a column in chunks is described as the whole column', () => {
  const rng = new Rng(9);
  const whole = Float64Array.from({ length: 30_000 }, () => (rng.next() < 0.1 ? NaN : Math.round(rng.next() * 1e4) / 8));
  const chunks = [whole.subarray(0, 2048), whole.subarray(2048, 2049), whole.subarray(2049)];
  assert.deepEqual(describeNumbers(chunks, QS), describeNumbers(whole, QS));
});

test('whole numbers, a constant column, an empty one and one with a range too narrow for its magnitude', () => {
  const ints = describeNumbers(Float64Array.from({ length: 100 }, (_, i) => i % 7), QS);
  assert.equal(ints.integral, true);
  assert.equal(ints.distinct, 7);
  const constant = describeNumbers(new Float64Array(10).fill(2.5), QS);
  assert.deepEqual(constant.histogram.counts, [10, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(constant.quantiles, [2.5, 2.5, 2.5]);
  assert.ok(Number.isNaN(constant.std) === false && constant.std === 0);
  const empty = describeNumbers(Float64Array.of(NaN), QS);
  assert.equal(empty.count, 0);
  assert.ok(Number.isNaN(empty.mean));
  const narrow = Float64Array.from({ length: 5000 }, (_, i) => 1e15 + (i % 3));
  assert.deepEqual(describeNumbers(narrow, QS).histogram.counts, reference(Array.from(narrow)).counts);
});

test('past the exact limit the distinct count is a HyperLogLog estimate within 2%', () => {
  const n = EXACT_DISTINCT_UP_TO + 100_000;
  const rng = new Rng(2);
  const unique = Float64Array.from({ length: n }, (_, i) => i + rng.next() / 2);
  const few = Float64Array.from({ length: n }, (_, i) => i % 5000);
  assert.ok(Math.abs(describeNumbers(unique, QS).distinct / n - 1) < 0.02);
  assert.ok(Math.abs(describeNumbers(few, QS).distinct / 5000 - 1) < 0.02);
});
