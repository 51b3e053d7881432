import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Predictions } from '../learn/index.ts';
import type { BundleManifest } from '../registry/index.ts';
import { scoringJson } from './mlflow-scoring.ts';

// only the task and the classes matter to the answer
const manifest = (task: string, classes?: string[]) => ({ task, target: { classes } }) as unknown as BundleManifest;

describe('scoringJson', () => {
  it('is the text JSON.stringify gives of the answer object, for every task', () => {
    const classes = ['No', 'Yes "quoted"', 'back\\slash', 'é ☃ \u{1F600}', 'tab\there', ''];
    const proba = Float64Array.from({ length: 3 * classes.length }, (_, i) => (i % 7) / 7 + 1e-17 * i);
    const p: Predictions = { rows: 3, proba, classIndex: Int32Array.from([1, 0, 5]) };
    const expected = {
      predictions: [classes[1], classes[0], classes[5]],
      probabilities: [0, 1, 2].map((r) => Array.from(proba.subarray(r * classes.length, (r + 1) * classes.length))),
      classes,
      prediction_id: 'id "1"',
    };
    assert.equal(scoringJson(manifest('binary', classes), p, { prediction_id: 'id "1"' }), JSON.stringify(expected));
    assert.equal(scoringJson(manifest('multiclass', classes), p), JSON.stringify({ ...expected, prediction_id: undefined }));
    assert.equal(scoringJson(manifest('clustering', classes), p, { shadow_of: 'x' }), JSON.stringify({ predictions: expected.predictions, shadow_of: 'x' }));
    const values = Float64Array.from([1.5, -0, 1e21, 5e-324, -123456.789]);
    assert.equal(scoringJson(manifest('regression'), { rows: 5, values }, { prediction_id: 'p' }), JSON.stringify({ predictions: Array.from(values), prediction_id: 'p' }));
  });

  it('writes a non-finite number as null, as JSON.stringify does', () => {
    const values = Float64Array.from([NaN, Infinity, 2]);
    assert.equal(scoringJson(manifest('regression'), { rows: 3, values }), '{"predictions":[null,null,2]}');
  });

  it('parses back to the same answer for one row (the serving case)', () => {
    const p: Predictions = { rows: 1, proba: Float64Array.from([0.25, 0.75]), classIndex: Int32Array.from([1]) };
    assert.deepEqual(JSON.parse(scoringJson(manifest('binary', ['No', 'Yes']), p, { prediction_id: 'abc' })), { predictions: ['Yes'], probabilities: [[0.25, 0.75]], classes: ['No', 'Yes'], prediction_id: 'abc' });
  });
});
