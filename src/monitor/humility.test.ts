import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { categoricalColumn, numericColumn, type Table } from '../core/table.ts';
import { inferFeatures } from '../data/index.ts';
import { predictTable, trainModel } from '../learn/index.ts';
import { encodeBundle } from '../registry/index.ts';
import { HumilityRules, parseHumilityRules } from './humility.ts';

// 40 rows: x 0..39, colour red/blue; the label is 1 from x = 30 on, so "0" is the majority class (30 of 40)
const x = Float64Array.from({ length: 40 }, (_, i) => i);
const table: Table = { rows: 40, columns: [numericColumn('x', x), categoricalColumn('colour', Int32Array.from(x, (v) => v % 2), ['red', 'blue'])] };
const y = Float64Array.from(x, (v) => (v >= 30 ? 1 : 0));

async function manifestOf(task: 'binary' | 'regression', labels: boolean) {
  const target = task === 'binary' ? { name: 'y', task, classes: ['0', '1'] } : { name: 'y', task };
  const yy = task === 'binary' ? y : x;
  const model = await trainModel(table, yy, target, inferFeatures(table), { learner: 'linear', params: {}, seed: 0 });
  return { model, manifest: encodeBundle(model, { metrics: {}, training: table, ...(labels ? { labels: yy } : {}), lineage: {} }).manifest };
}

describe('humility rules', () => {
  it('majority and mean answer what the training labels would, kept in the bundle; refused where they do not fit', async () => {
    const { manifest } = await manifestOf('binary', true);
    assert.deepEqual(manifest.trainingTarget, { majority: '0' });
    assert.deepEqual(parseHumilityRules([{ name: 'far', when: { outsideRange: 'x' }, action: 'majority' }], manifest)[0].action, { replace: '0' });
    assert.throws(() => parseHumilityRules([{ name: 'far', when: { outsideRange: 'x' }, action: 'mean' }], manifest), /rules\[0\]\.action mean needs a regression \(this model is binary\)/);
    const regression = (await manifestOf('regression', true)).manifest;
    assert.equal(regression.trainingTarget?.mean, 19.5);
    assert.deepEqual(parseHumilityRules([{ name: 'far', when: { outsideRange: '*' }, action: 'mean' }], regression)[0].action, { replace: 19.5 });
    const old = (await manifestOf('binary', false)).manifest;
    assert.throws(() => parseHumilityRules([{ name: 'far', when: { outsideRange: 'x' }, action: 'majority' }], old), /no training summary/);
  });

  it('a refusing rule is reported with every rule that fired, not thrown, so each is counted; none firing costs nothing', async () => {
    const { model, manifest } = await manifestOf('binary', true);
    const rules = new HumilityRules(
      parseHumilityRules(
        [
          { name: 'far', when: { outsideRange: 'x' }, action: 'majority' },
          { name: 'new-colour', when: { unseenCategory: 'colour' }, action: 'refuse' },
        ],
        manifest,
      ),
      manifest,
    );
    const request: Table = { rows: 3, columns: [numericColumn('x', Float64Array.from([5, 100, 7])), categoricalColumn('colour', Int32Array.from([0, 0, 1]), ['red', 'green'])] };
    const p = predictTable(model, request);
    const outcome = rules.apply(request, p)!;
    assert.deepEqual([...outcome.fired], [['far', [1]], ['new-colour', [2]]]);
    assert.match(outcome.refusal!.message, /humility rule "new-colour" refused row 2/);
    assert.equal(outcome.refusal!.httpStatus, 400);
    assert.equal(outcome.predictions.classIndex![1], 0);
    const calm: Table = { rows: 1, columns: [numericColumn('x', Float64Array.from([5])), categoricalColumn('colour', Int32Array.from([1]), ['red', 'blue'])] };
    assert.equal(rules.apply(calm, predictTable(model, calm)), null);
  });

  it('rules sharing a feature each fire, with their rows in order', async () => {
    const { model, manifest } = await manifestOf('binary', true);
    const rules = new HumilityRules(
      parseHumilityRules(
        [
          { name: 'any-far', when: { outsideRange: '*' }, action: 'flag' },
          { name: 'x-far', when: { outsideRange: 'x' }, action: 'flag' },
          { name: 'unsure', when: { confidenceBelow: 1 }, action: 'flag' },
        ],
        manifest,
      ),
      manifest,
    );
    const request: Table = { rows: 3, columns: [numericColumn('x', Float64Array.from([500, 5, -9])), categoricalColumn('colour', Int32Array.from([0, 0, 1]), ['red', 'blue'])] };
    const p = predictTable(model, request);
    // the rows whose top class probability is below 1 (x = 500 is certain)
    const unsure = [0, 1, 2].filter((r) => Math.max(p.proba![2 * r], p.proba![2 * r + 1]) < 1);
    assert.ok(unsure.includes(1) && !unsure.includes(0));
    const outcome = rules.apply(request, p)!;
    assert.deepEqual([...outcome.fired], [['any-far', [0, 2]], ['x-far', [0, 2]], ['unsure', unsure]]);
    assert.deepEqual(outcome.flags[0], { row: 0, rules: ['any-far', 'x-far'] });
    assert.deepEqual(outcome.flags[1], { row: 1, rules: ['unsure'] });
    assert.equal(outcome.refusal, null);
  });
});
