import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { numericColumn } from '../core/table.ts';
import { inferFeatures } from '../data/index.ts';
import { trainModel } from '../learn/index.ts';
import { parsePolicy, type RuleOutcome } from '../monitor/index.ts';
import { encodeBundle, registerModel } from '../registry/index.ts';
import { openStores } from '../store/index.ts';
import { CANARY_TAG, RETRAIN_TAG, retrainReason } from './retrain.ts';

const HOUR = 3_600_000;

describe('retraining triggers', () => {
  it('a period counts from the champion or the last retraining; an alert only while firing; nothing while a canary runs', async () => {
    const stores = await openStores(mkdtempSync(join(tmpdir(), 'capstan-retrain-')));
    try {
      const x = Float64Array.from({ length: 40 }, (_, i) => i);
      const table = { rows: 40, columns: [numericColumn('x', x)] };
      const model = await trainModel(table, Float64Array.from(x, (v) => (v >= 20 ? 1 : 0)), { name: 'y', task: 'binary', classes: ['no', 'yes'] }, inferFeatures(table), { learner: 'linear', params: {}, seed: 0 });
      const v1 = await registerModel(stores, 'churn', encodeBundle(model, { metrics: {}, training: null, lineage: {} }), null, 'ana');
      const every = parsePolicy({ model: 'churn', retrain: { when: { every: '6h' }, data: 'none', action: 'notify' } });
      assert.equal(await retrainReason(stores, every, [], v1.createdAt + 5 * HOUR), null);
      assert.equal(await retrainReason(stores, every, [], v1.createdAt + 6 * HOUR), '6h since version 1');
      // retrained since: the period starts again there
      await stores.metadata.models.setModelTag('churn', RETRAIN_TAG, JSON.stringify({ at: v1.createdAt + 4 * HOUR }), 'policy');
      assert.equal(await retrainReason(stores, every, [], v1.createdAt + 9 * HOUR), null);
      assert.equal(await retrainReason(stores, every, [], v1.createdAt + 10 * HOUR), '6h since version 1 or the last retraining');

      const onAlert = parsePolicy({ model: 'churn', alerts: [{ name: 'acc', figure: 'accuracy.drop', above: 0.05 }], retrain: { when: { alert: 'acc' }, data: 'none', action: 'notify' } });
      const outcome = (state: RuleOutcome['state']): RuleOutcome => ({ model: 'churn', rule: 'acc', value: 0.1, state, notified: [] });
      assert.equal(await retrainReason(stores, onAlert, [outcome('firing')], Date.now()), 'alert acc fired');
      assert.equal(await retrainReason(stores, onAlert, [outcome('resolved')], Date.now()), null);

      await stores.metadata.models.setModelTag('churn', CANARY_TAG, JSON.stringify({ status: 'running' }), 'policy');
      assert.equal(await retrainReason(stores, every, [], v1.createdAt + 100 * HOUR), null);
      assert.equal(await retrainReason(stores, parsePolicy({ model: 'ghost', retrain: { when: { every: '1h' }, data: 'none', action: 'notify' } }), [], Date.now()), null);
    } finally {
      await stores.metadata.close();
    }
  });
});
