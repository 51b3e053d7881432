import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { numericColumn } from '../src/core/table.ts';
import { createServingHooks, startRetention, type Prune } from '../src/serve/index.ts';
import { allPages, openMetadataStore, type PredictionRecord } from '../src/store/index.ts';
import { cli, dropPgSchemas, pgTestUri, tempHome } from './helpers.ts';

const rec = (id: string, at: number, model = 'churn'): PredictionRecord => ({ id, model, version: '1', at, latencyMs: 1, rows: 1, features: { columns: ['a'], rows: [[1]] }, outputs: { predictions: ['No'] }, shadow: false });

for (const [label, uri] of [['SQLite', () => `sqlite:${join(tempHome(), 'capstan.db')}`], ['PostgreSQL', pgTestUri]] as const) {
  describe(`prediction log retention on ${label}`, () => {
    after(() => dropPgSchemas());

    it('prunes in bounded steps while serving writes go on: every write lands, the newest records stay', async () => {
      const at = uri();
      const store = await openMetadataStore(at);
      // 400 stored batches of 5 records (one batch per model per append)
      for (let b = 0; b < 80; b++) await store.predictions.append(Array.from({ length: 25 }, (_, i) => rec(`old${b}-${i}`, 1000 + b, `m${i % 5}`)));
      // the serving prediction log writes beside the pruner, on its own connection, as a server does
      const hooks = createServingHooks(at, { intervalMs: 10 });
      const steps: number[] = [];
      const counting: Prune = async (rule, o) => {
        const n = await hooks.log!.prune(rule, o);
        steps.push(n);
        return n;
      };
      const errors: string[] = [];
      const retention = startRetention(counting, [{ maxRecords: 100 }], { step: 10, intervalMs: 60_000, onError: (m) => errors.push(m) });
      // served predictions logged while the pruner works: each one must land (none dropped or failed for a busy database)
      const table = { rows: 1, columns: [numericColumn('a', Float64Array.of(1))] };
      for (let i = 0; i < 40; i++) {
        hooks.log!.push({ id: `new${i}`, model: 'churn', version: '1', at: 10_000_000 + i, latencyMs: 1, table, outputs: '{"predictions":["No"]}', shadow: false });
        await new Promise((r) => setTimeout(r, 5));
      }
      await hooks.log!.flush();
      // let the first pass finish
      for (let i = 0; i < 500 && !(steps.length > 0 && steps.at(-1) === 0); i++) await new Promise((r) => setTimeout(r, 20));
      await retention.stop();
      await hooks.close();
      assert.deepEqual(errors, []);
      assert.deepEqual([hooks.log!.logged, hooks.log!.dropped, hooks.log!.failed], [40, 0, 0]);
      assert.ok(steps.every((n) => n <= 10 * 5), `a step deletes at most 10 batches: ${steps.join(',')}`);
      assert.ok(steps.filter((n) => n > 0).length >= 30, `the work was split into many short steps: ${steps.join(',')}`);
      const left = await allPages((cursor) => store.predictions.list({ cursor, limit: 1000 }));
      assert.ok(left.length >= 100 && left.length < 110, `${left.length} kept`);
      for (let i = 0; i < 40; i++) assert.ok(left.some((p) => p.id === `new${i}`), `new${i} kept`);
      await store.close();
    });
  });
}

describe('capstan predictions prune and the servers\' retention options', () => {
  it('prunes now through the CLI; bad rules are clear errors', async () => {
    const home = tempHome();
    const store = await openMetadataStore(`sqlite:${join(home, 'capstan.db')}`);
    for (let b = 0; b < 5; b++) await store.predictions.append([rec(`p${b}`, Date.now() - b * 86_400_000 * 10)]);
    await store.close();
    const r = cli(['predictions', 'prune', '--log-max-age', '15d', '--json'], home);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { deleted: 3 });
    const scoped = cli(['predictions', 'prune', '--log-max-records', 'churn=1'], home);
    assert.equal(scoped.stdout, 'deleted 1 logged prediction\n');
    for (const [args, re] of [
      [['predictions', 'prune'], /give --log-max-age and\/or --log-max-records/],
      [['predictions', 'prune', '--log-max-age', '3 weeks'], /--log-max-age must be a duration like 90s, 15m, 12h or 30d/],
      [['predictions', 'prune', '--log-max-records', 'churn=lots'], /--log-max-records must be a whole number/],
      [['server', '--log-max-age', '../x=1d'], /--log-max-age model "..\/x" is not allowed/],
    ] as const) {
      const bad = cli([...args], home);
      assert.equal(bad.status, 1, bad.stderr);
      assert.match(bad.stderr, re);
    }
  });
});
