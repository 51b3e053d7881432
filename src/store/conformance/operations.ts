import assert from 'node:assert/strict';
import { it } from 'node:test';
import { allPages } from '../run-log.ts';
import type { ConformanceContext } from './context.ts';

/** Monitoring windows, actuals, policies and alerts, the prediction log and its retention, pipeline schedules. */
export function operationsCases(c: ConformanceContext): void {
  it('monitoring windows add up when read, and compact minutes into hours atomically', async () => {
    const s = c.store();
    if (c.local === false) {
      // a remote store refuses: windows are written by serving processes, not over the API
      await assert.rejects(s.monitor.addWindows([]), (err: { code?: string }) => err.code === 'INVALID_ARGUMENT');
      await assert.rejects(s.monitor.windows('churn', { since: 0, until: 1 }), /read by the server/);
      return;
    }
    const hour = 3_600_000;
    const t0 = 100 * hour;
    const w = (model: string, version: string, start: number, n: number) => ({ model, version, start, spanMs: 60_000, stats: JSON.stringify({ n }) });
    await s.monitor.addWindows([w('churn', '1', t0, 1), w('churn', '1', t0, 2), w('churn', '1', t0 + 60_000, 4), w('churn', '2', t0 + hour, 8), w('other', '1', t0, 16)]);
    assert.deepEqual((await s.monitor.windows('churn', { since: t0, until: t0 + 2 * hour })).map((r) => [r.version, r.start, JSON.parse(r.stats).n]), [['1', t0, 1], ['1', t0, 2], ['1', t0 + 60_000, 4], ['2', t0 + hour, 8]]);
    assert.deepEqual((await s.monitor.windows('churn', { since: t0, until: t0 + 2 * hour, version: '2' })).length, 1);
    const merge = (texts: string[]) => JSON.stringify({ n: texts.reduce((a, t) => a + (JSON.parse(t) as { n: number }).n, 0) });
    // only whole hours before `before` are merged
    assert.equal(await s.monitor.compact({ fromSpanMs: 60_000, toSpanMs: hour, before: t0 + hour + 30 * 60_000, merge }), 4);
    assert.equal(await s.monitor.compact({ fromSpanMs: 60_000, toSpanMs: hour, before: t0 + hour + 30 * 60_000, merge }), 0);
    const rows = await s.monitor.windows('churn', { since: t0, until: t0 + 2 * hour });
    assert.deepEqual(rows.map((r) => [r.version, r.start, r.spanMs, JSON.parse(r.stats).n]), [['1', t0, hour, 7], ['2', t0 + hour, 60_000, 8]]);
    assert.deepEqual((await s.monitor.windows('other', { since: 0, until: t0 + 2 * hour })).map((r) => JSON.parse(r.stats).n), [16]);
    await assert.rejects(s.monitor.compact({ fromSpanMs: 60_000, toSpanMs: 90_000, before: t0, merge }), /multiple/);
  });

  it('actuals are stored once per prediction and row, and read by the time of the prediction', async () => {
    const s = c.store();
    if (c.local === false) {
      // over the API the server joins each actual to its logged prediction: one with no logged prediction is not stored
      assert.deepEqual(await s.monitor.putActuals([{ predictionId: 'nowhere', row: 0, model: 'churn', version: '1', predictedAt: 0, actual: 'Yes', output: [0.5, 0.5], receivedAt: 0 }]), { inserted: 0, duplicates: 0 });
      await assert.rejects(s.monitor.actuals('churn', { since: 0, until: 1 }), /read by the server/);
      return;
    }
    const a = (id: string, row: number, at: number, actual: string | number) => ({ predictionId: id, row, model: 'churn', version: '1', predictedAt: at, actual, output: [0.25, 0.75], receivedAt: 5 });
    assert.deepEqual(await s.monitor.putActuals([a('p1', 0, 1000, 'Yes'), a('p1', 1, 1000, 'No'), a('p2', 0, 3000, 2.5)]), { inserted: 3, duplicates: 0 });
    // a retried upload counts once and keeps the first value
    assert.deepEqual(await s.monitor.putActuals([a('p1', 0, 1000, 'No'), a('p3', 0, 2000, 'No')]), { inserted: 1, duplicates: 1 });
    const got = await s.monitor.actuals('churn', { since: 0, until: 2500 });
    assert.deepEqual(got.map((r) => [r.predictionId, r.row, r.actual]), [['p1', 0, 'Yes'], ['p1', 1, 'No'], ['p3', 0, 'No']]);
    assert.deepEqual(got[0].output, [0.25, 0.75]);
    assert.equal((await s.monitor.actuals('churn', { since: 2500, until: 4000 }))[0].actual, 2.5);
  });

  it('monitoring policies are versioned and audited; an alert opens once per rule, is acknowledged, and resolves', async () => {
    const s = c.store();
    if (c.local === false) {
      // over the API: policies are checked and versioned; alerts are raised by the server
      const p = await s.monitor.putPolicy('watched', { model: 'watched', alerts: [{ name: 'quiet', figure: 'requests', below: 1 }] }, 'ignored');
      assert.equal((await s.monitor.getPolicy('watched')).version, p.version);
      await assert.rejects(s.monitor.putPolicy('watched', { model: 'watched', alerts: [{ name: 'x', figure: 'nope', above: 1 }] }, 'ignored'), /figure must be one of/);
      await assert.rejects(s.monitor.openAlert({ model: 'watched', rule: 'quiet', value: 0, threshold: 1, detail: {} }), /raised by the server/);
      assert.deepEqual(await s.monitor.listAlerts({ model: 'watched' }), []);
      return;
    }
    const p1 = await s.monitor.putPolicy('watched', { model: 'watched', alerts: [] }, 'alice');
    const p2 = await s.monitor.putPolicy('watched', { model: 'watched', alerts: [{ name: 'drift' }] }, 'bob');
    assert.deepEqual([p1.version, p2.version, p2.createdBy], [1, 2, 'bob']);
    assert.deepEqual((await s.monitor.getPolicy('watched')).spec, { model: 'watched', alerts: [{ name: 'drift' }] });
    assert.equal((await s.monitor.getPolicy('watched', 1)).createdBy, 'alice');
    assert.deepEqual((await s.monitor.listPolicies()).filter((p) => p.model === 'watched').map((p) => p.version), [2]);
    await assert.rejects(s.monitor.getPolicy('unwatched'), (err: { code?: string }) => err.code === 'NOT_FOUND');
    const first = await s.monitor.openAlert({ model: 'watched', rule: 'drift', value: 0.5, threshold: 0.3, detail: { drifted: ['tenure'] }, at: 1000 });
    assert.equal(first.created, true);
    const again = await s.monitor.openAlert({ model: 'watched', rule: 'drift', value: 0.6, threshold: 0.3, detail: {}, at: 2000 });
    assert.deepEqual([again.created, again.alert.id, again.alert.value, again.alert.firedAt], [false, first.alert.id, 0.6, 1000]);
    const acked = await s.monitor.acknowledgeAlert(first.alert.id, 'carol');
    assert.deepEqual([acked.status, acked.acknowledgedBy], ['acknowledged', 'carol']);
    assert.equal((await s.monitor.openAlert({ model: 'watched', rule: 'drift', value: 0.7, threshold: 0.3, detail: {} })).created, false, 'an acknowledged alert stays the open one');
    const resolved = await s.monitor.resolveAlert('watched', 'drift', 0.1, 3000);
    assert.deepEqual([resolved?.status, resolved?.resolvedAt], ['resolved', 3000]);
    assert.equal(await s.monitor.resolveAlert('watched', 'drift', 0.1), null);
    await assert.rejects(s.monitor.acknowledgeAlert(first.alert.id, 'carol'), /already resolved/);
    await assert.rejects(s.monitor.acknowledgeAlert('0123456789abcdef', 'carol'), (err: { code?: string }) => err.code === 'NOT_FOUND');
    const next = await s.monitor.openAlert({ model: 'watched', rule: 'drift', value: 0.9, threshold: 0.3, detail: {}, at: 4000 });
    assert.equal(next.created, true);
    assert.deepEqual((await s.monitor.listAlerts({ model: 'watched' })).map((a) => a.status), ['firing', 'resolved']);
    assert.deepEqual((await s.monitor.listAlerts({ model: 'watched', status: 'resolved' })).map((a) => a.id), [first.alert.id]);
    const actions = (await s.audit.list({ entity: 'watched' })).items.map((e) => e.action);
    for (const a of ['policy.apply', 'alert.firing', 'alert.acknowledged', 'alert.resolved']) assert.ok(actions.includes(a), `${a} in ${actions.join(', ')}`);
  });

  it('the prediction log appends once per id, reads back exactly, and lists by model and time', async () => {
    const s = c.store();
    const rec = (id: string, model: string, at: number) => ({ id, model, version: '3', at, latencyMs: 1.25, rows: 2, features: { columns: ['a', 'b'], rows: [[1, 'x'], [null, 'y']] }, outputs: { predictions: ['No', 'Yes'] }, shadow: false });
    await s.predictions.append([rec('p1', 'churn', 1000), rec('p2', 'churn', 2000), rec('p3', 'other', 1500)]);
    // a retried batch does not log twice
    await s.predictions.append([rec('p1', 'churn', 9999)]);
    assert.deepEqual(await s.predictions.get('p1'), rec('p1', 'churn', 1000));
    assert.deepEqual((await s.predictions.list({ model: 'churn' })).items.map((p) => p.id), ['p1', 'p2']);
    assert.deepEqual((await s.predictions.list({ since: 1500 })).items.map((p) => p.id), ['p3', 'p2']);
    const first = await s.predictions.list({ limit: 2 });
    assert.equal(first.items.length, 2);
    assert.deepEqual((await s.predictions.list({ limit: 2, cursor: first.nextCursor })).items.map((p) => p.id), ['p2']);
    await assert.rejects(s.predictions.get('nope'), (err: { code?: string }) => err.code === 'NOT_FOUND');
    // records with other columns keep their own names, in one batch and across batches
    const other = (id: string, columns: string[]) => ({ ...rec(id, 'wide', 3000), rows: 1, features: { columns, rows: [columns.map((_, i) => i)] } });
    await s.predictions.append([other('w1', ['x']), other('w2', ['y', 'z'])]);
    await s.predictions.append([other('w3', ['x'])]);
    assert.deepEqual((await s.predictions.list({ model: 'wide' })).items.map((p) => p.features), [other('w1', ['x']), other('w2', ['y', 'z']), other('w3', ['x'])].map((p) => p.features));
  });

  it('prediction log retention: by age and by count, per model or global, a bounded step at a time', async () => {
    const s = c.store();
    const rec = (id: string, model: string, at: number) => ({ id, model, version: '1', at, latencyMs: 1, rows: 1, features: { columns: ['a'], rows: [[1]] }, outputs: { predictions: ['No'] }, shadow: false });
    const day = 86_400_000;
    const now = 100 * day;
    // twelve batches of 10 records each: keep-a (oldest days first), keep-b, in turns
    for (let b = 0; b < 12; b++) {
      const model = b % 2 ? 'keep-b' : 'keep-a';
      await s.predictions.append(Array.from({ length: 10 }, (_, i) => rec(`r${b}-${i}`, model, now - (12 - b) * day + i)));
    }
    const count = async (model: string) => (await allPages((cursor) => s.predictions.list({ model, cursor, limit: 1000 }))).length;
    await assert.rejects(s.predictions.prune({}), /needs maxAgeMs or maxRecords/);
    await assert.rejects(s.predictions.prune({ maxRecords: -1 }), /maxRecords must be an integer >= 0/);
    // by age, one model: keep-a's batches older than 5 days (days 12, 10, 8, 6) go, a step of 2 batches at a time
    assert.equal(await s.predictions.prune({ model: 'keep-a', maxAgeMs: 5 * day }, { now, limit: 2 }), 20);
    assert.equal(await s.predictions.prune({ model: 'keep-a', maxAgeMs: 5 * day }, { now, limit: 2 }), 20);
    assert.equal(await s.predictions.prune({ model: 'keep-a', maxAgeMs: 5 * day }, { now, limit: 2 }), 0);
    assert.deepEqual([await count('keep-a'), await count('keep-b')], [20, 60]);
    // by count, one model: keep-b keeps its newest 25 records (whole batches: 30)
    let n = 0;
    for (let d = -1; d !== 0; n += d) d = await s.predictions.prune({ model: 'keep-b', maxRecords: 25 }, { now, limit: 1 });
    assert.equal(n, 30);
    assert.deepEqual([await count('keep-a'), await count('keep-b')], [20, 30]);
    assert.deepEqual((await s.predictions.list({ model: 'keep-b' })).items.slice(0, 1).map((p) => p.id), ['r7-0'], 'the oldest go first');
    // global: every model's records together, newest kept
    for (let d = -1; d !== 0; ) d = await s.predictions.prune({ maxRecords: 30 }, { now });
    const left = (await allPages((cursor) => s.predictions.list({ since: now - 30 * day, cursor, limit: 1000 }))).filter((p) => p.model.startsWith('keep-'));
    assert.deepEqual([...new Set(left.map((p) => p.id.split('-')[0]))].sort(), ['r10', 'r11', 'r9'].sort());
    // what is deleted is gone for get() too
    await assert.rejects(s.predictions.get('r0-0'), (err: { code?: string }) => err.code === 'NOT_FOUND');
  });

  it('pipeline schedules: put replaces, list and get read back, delete; audited', async () => {
    const s = c.store();
    const spec = { apiVersion: 'capstan.dev/v1', kind: 'Pipeline', name: 'nightly', steps: [{ name: 'a', component: 'capstan/noop' }] };
    const a = await s.schedules.put({ name: 'nightly', spec, cron: '0 3 * * *', params: {}, nextAt: Date.now() + 60_000, actor: 'alice' });
    assert.equal(a.cron, '0 3 * * *');
    assert.deepEqual(a.spec, spec);
    assert.equal(a.lastRunId, null);
    const b = await s.schedules.put({ name: 'nightly', spec, cron: '30 4 * * 1', params: { x: '1' }, nextAt: Date.now() + 60_000, actor: 'alice' });
    assert.equal(b.cron, '30 4 * * 1');
    assert.deepEqual(b.params, { x: '1' });
    assert.deepEqual((await s.schedules.list()).map((x) => x.name), ['nightly']);
    assert.equal((await s.schedules.get('nightly')).cron, '30 4 * * 1');
    await s.schedules.delete('nightly', 'alice');
    await assert.rejects(s.schedules.get('nightly'), (err: { code?: string }) => err.code === 'NOT_FOUND');
    await assert.rejects(s.schedules.delete('nightly', 'alice'), (err: { code?: string }) => err.code === 'NOT_FOUND');
    assert.ok((await allPages((cursor) => s.audit.list({ cursor }))).some((e) => e.action === 'schedule.delete' && e.entity === 'schedule:nightly'));
  });

  // remote stores (the SDK) leave firing to the servers
  if (c.local) it('pipeline schedules: of concurrent claims of one due time exactly one wins', async () => {
    const s = c.store();
    const due = Date.now() - 1000;
    await s.schedules.put({ name: 'due', spec: {}, cron: '* * * * *', params: {}, nextAt: due, actor: 'alice' });
    const wins = await Promise.all(Array.from({ length: 8 }, () => s.schedules.claim('due', due, due + 60_000)));
    assert.equal(wins.filter(Boolean).length, 1);
    assert.equal((await s.schedules.get('due')).nextAt, due + 60_000);
    assert.equal(await s.schedules.claim('due', due, due + 120_000), false);
    await s.schedules.fired('due', 'r1', due);
    assert.deepEqual([(await s.schedules.get('due')).lastRunId, (await s.schedules.get('due')).lastAt], ['r1', due]);
  });
}
