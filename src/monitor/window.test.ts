import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FeatureSpec } from '../core/schema.ts';
import { categoricalColumn, numericColumn, type Table } from '../core/table.ts';
import { binCounts, buildBaseline } from '../stats/baseline.ts';
import { WindowCounter } from './window.ts';

test('the live window counts every feature into the same bins as binCounts, with out-of-range rows and the output', () => {
  const training: Table = {
    rows: 8,
    columns: [numericColumn('age', Float64Array.from([20, 30, 40, 50, 60, 70, NaN, 35])), categoricalColumn('plan', Int32Array.from([0, 1, 2, 0, 1, -1, 0, 2]), ['basic', 'plus', 'pro'])],
  };
  const inputs: FeatureSpec[] = [
    { name: 'age', kind: 'numeric', integer: true, min: 20, max: 70, missing: 1 },
    { name: 'plan', kind: 'categorical', categories: ['basic', 'plus', 'pro'], missing: 1 },
  ];
  const baseline = buildBaseline(training, inputs);
  const output = buildBaseline({ rows: 2, columns: [numericColumn('prediction', Float64Array.from([0.1, 0.9]))] }, [{ name: 'prediction', kind: 'numeric', integer: false, min: 0, max: 1, missing: 0 }])[0];
  const counter = new WindowCounter(baseline, inputs, output, { name: 'y', task: 'binary', classes: ['no', 'yes'] });
  // columns in another order than the signature, a category never seen, missing values, values outside the range
  const request: Table = { rows: 5, columns: [categoricalColumn('plan', Int32Array.from([0, 1, -1, 1, 0]), ['pro', 'gold']), numericColumn('age', Float64Array.from([10, 35, NaN, 90, 70]))] };
  const w = counter.window();
  counter.addRows(w, request, { rows: 5, proba: Float64Array.from([0.9, 0.1, 0.5, 0.5, 0.2, 0.8, NaN, NaN, 0, 1]) });
  w.addRequest(2, false);
  const stats = w.stats();
  for (const b of baseline) {
    const expected = new Array<number>(b.proportions.length).fill(0);
    binCounts(b, request.columns.find((c) => c.name === b.name)!, expected);
    assert.deepEqual(stats.features[b.name], expected, b.name);
  }
  assert.deepEqual(stats.outOfRange, { age: 2 });
  const expectedOutput = new Array<number>(output.proportions.length).fill(0);
  binCounts(output, numericColumn('prediction', Float64Array.from([0.1, 0.5, 0.8, NaN, 1])), expectedOutput);
  assert.deepEqual(stats.output, expectedOutput);
  assert.equal(stats.rows, 5);
  assert.equal(stats.requests, 1);
});
