import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { allPages } from '../run-log.ts';
import type { MetricPoint, Run } from '../types.ts';
import type { ConformanceContext } from './context.ts';

/** Experiments, runs (metrics, params, tags, search), steps and artifacts. */
export function trackingCases(c: ConformanceContext): void {
  it('experiments: create, ensure (idempotent under concurrency), names checked, paginated', async () => {
    const s = c.store();
    const e = await s.experiments.create({ name: 'exp-a', tags: { team: 'risk' } });
    assert.deepEqual([e.name, e.lifecycle, e.tags.team], ['exp-a', 'active', 'risk']);
    await assert.rejects(s.experiments.create({ name: 'exp-a' }), (err: { code?: string }) => err.code === 'ALREADY_EXISTS');
    const ids = await Promise.all(Array.from({ length: 8 }, () => s.experiments.ensure('exp-b')));
    assert.equal(new Set(ids.map((x) => x.id)).size, 1);
    assert.equal((await s.experiments.getByName('exp-b')).id, ids[0].id);
    await s.experiments.setTag(e.id, 'owner', 'bob');
    assert.equal((await s.experiments.get(e.id)).tags.owner, 'bob');
    for (const bad of ['../x', '', 'a/b', 'x\u0000', '..']) await assert.rejects(s.experiments.create({ name: bad }), (err: { code?: string }) => err.code === 'INVALID_ARGUMENT', bad);
    await assert.rejects(s.experiments.get('ffffffffffff'), (err: { code?: string }) => err.code === 'NOT_FOUND');
    for (let i = 0; i < 5; i++) await s.experiments.create({ name: `page-${i}` });
    const p1 = await s.experiments.list({ limit: 3 });
    assert.equal(p1.items.length, 3);
    const all = await allPages((cursor) => s.experiments.list({ limit: 3, cursor }));
    assert.equal(new Set(all.map((x) => x.id)).size, all.length);
    assert.ok(all.length >= 7);
    await assert.rejects(s.experiments.list({ cursor: 'garbage!' }), (err: { code?: string }) => err.code === 'INVALID_ARGUMENT');
    await assert.rejects(s.experiments.list({ limit: 0 }), /limit must be an integer/);
  });

  it('runs: metrics keep NaN, Infinity and 1e308 exactly; latest by step; history in order', async () => {
    const s = c.store();
    const run = await s.runs.create({ experiment: 'exp-metrics', name: 'r1', tags: { team: 'risk' } });
    assert.equal(run.status, 'RUNNING');
    const values = [NaN, Infinity, -Infinity, 1e308, -1e308, 5e-324, 0.1 + 0.2, -0];
    const points: MetricPoint[] = values.map((value, i) => ({ key: 'odd', value, step: i, timestamp: 1000 + i }));
    await s.runs.logBatch(run.id, { metrics: points });
    const history = await s.runs.metricHistory(run.id, 'odd');
    assert.equal(history.length, values.length);
    history.forEach((p, i) => assert.ok(Object.is(p.value, values[i]) || (values[i] === 0 && p.value === 0), `point ${i}: ${p.value} vs ${values[i]}`));
    await s.runs.logBatch(run.id, { metrics: [{ key: 'loss', value: 3, step: 5, timestamp: 1 }, { key: 'loss', value: 9, step: 1, timestamp: 2 }] });
    await s.runs.logBatch(run.id, { metrics: [{ key: 'loss', value: 7, step: 2, timestamp: 3 }] });
    const got = await s.runs.get(run.id);
    assert.equal(got.metrics.loss, 3, 'the highest step is the latest value');
    assert.equal(got.metrics.odd, 0);
    await s.runs.logBatch(run.id, { metrics: [{ key: 'nan', value: NaN, step: 0, timestamp: 1 }] });
    assert.ok(Number.isNaN((await s.runs.get(run.id)).metrics.nan));
    const ended = await s.runs.update(run.id, { status: 'FINISHED' });
    assert.equal(ended.status, 'FINISHED');
    assert.ok(ended.endedAt !== null);
  });

  it('runs: a batch with one bad item stores nothing; params are immutable', async () => {
    const s = c.store();
    const run = await s.runs.create({ experiment: 'exp-batch', name: 'r' });
    const good = { key: 'a', value: 1, step: 0, timestamp: 1 };
    const bads: unknown[] = [
      { metrics: [good, { key: '../x', value: 1, step: 0, timestamp: 1 }] },
      { metrics: [good, { key: 'b', value: '1', step: 0, timestamp: 1 }] },
      { metrics: [good, { key: 'b', value: 1, step: 1.5, timestamp: 1 }] },
      { metrics: [good], params: [{ key: 'p', value: 'x'.repeat(7000) }] },
      { metrics: [good], tags: [{ key: 't', value: 5 }] },
      { metrics: [good], params: [{ key: 'p', value: '1' }, { key: 'p', value: '2' }] },
    ];
    for (const b of bads) await assert.rejects(s.runs.logBatch(run.id, b as never), (err: { code?: string }) => err.code === 'INVALID_ARGUMENT', JSON.stringify(b).slice(0, 80));
    await s.runs.logBatch(run.id, { params: [{ key: 'lr', value: '0.1' }] });
    await s.runs.logBatch(run.id, { params: [{ key: 'lr', value: '0.1' }] });
    await assert.rejects(s.runs.logBatch(run.id, { metrics: [good], params: [{ key: 'lr', value: '0.2' }] }), /immutable/);
    const after = await s.runs.get(run.id);
    assert.deepEqual(after.metrics, {}, 'no metric from a rejected batch');
    assert.deepEqual(after.params, { lr: '0.1' });
    assert.deepEqual(await s.runs.metricHistory(run.id, 'a'), []);
    await assert.rejects(s.runs.logBatch('0123456789abcdef', { metrics: [good] }), (err: { code?: string }) => err.code === 'NOT_FOUND');
  });

  it('runs: tags set and delete; soft delete hides a run from search and stops writes', async () => {
    const s = c.store();
    const exp = await s.experiments.create({ name: 'exp-delete' });
    const run = await s.runs.create({ experimentId: exp.id, name: 'gone' });
    await s.runs.logBatch(run.id, { tags: [{ key: 'k', value: 'v' }] });
    await s.runs.deleteTag(run.id, 'k');
    assert.deepEqual((await s.runs.get(run.id)).tags, {});
    await s.runs.delete(run.id);
    assert.equal((await s.runs.search({ experimentIds: [exp.id] })).items.length, 0);
    assert.equal((await s.runs.search({ experimentIds: [exp.id], includeDeleted: true })).items.length, 1);
    assert.equal((await s.runs.get(run.id)).lifecycle, 'deleted');
    await assert.rejects(s.runs.logBatch(run.id, { tags: [{ key: 'x', value: 'y' }] }), /deleted/);
  });

  describe('search', () => {
    let exp: string;
    const runs: Run[] = [];
    before(async () => {
      const s = c.store();
      exp = (await s.experiments.create({ name: 'exp-search' })).id;
      const learners = ['gbdt', 'forest', 'linear'];
      for (let i = 0; i < 30; i++) {
        const r = await s.runs.create({ experimentId: exp, name: `run-${String(i).padStart(2, '0')}`, startTime: 1_000_000 + i * 1000, tags: { team: i % 2 ? 'risk' : 'growth' } });
        const metrics = i % 7 === 3 ? [] : [{ key: 'roc_auc', value: i % 5 === 0 ? NaN : 0.5 + i / 100, step: 0, timestamp: 1 }];
        await s.runs.logBatch(r.id, { metrics, params: [{ key: 'learner', value: learners[i % 3] }] });
        runs.push(await s.runs.get(r.id));
      }
    });
    const ids = async (filter: string, orderBy?: string[]) => (await allPages((cursor) => c.store().runs.search({ experimentIds: [exp], filter, orderBy, cursor, limit: 7 }))).map((r) => r.name);
    const expect = (pred: (r: Run) => boolean) => runs.filter(pred).sort((a, b) => b.startedAt - a.startedAt).map((r) => r.name);

    it('filters metrics, params, tags and attributes with bound values', async () => {
      assert.deepEqual(await ids("metrics.roc_auc > 0.8 and params.learner = 'gbdt' and tags.team = 'risk'"), expect((r) => r.metrics.roc_auc > 0.8 && r.params.learner === 'gbdt' && r.tags.team === 'risk'));
      assert.deepEqual(await ids('metrics.roc_auc <= 0.6'), expect((r) => r.metrics.roc_auc <= 0.6));
      assert.deepEqual(await ids("params.learner IN ('forest', 'linear') OR tags.team != 'risk'"), expect((r) => ['forest', 'linear'].includes(r.params.learner) || r.tags.team !== 'risk'));
      assert.deepEqual(await ids("attributes.run_name LIKE 'run-1%'"), expect((r) => r.name.startsWith('run-1')));
      assert.deepEqual(await ids("run_name ILIKE 'RUN-2%'"), expect((r) => r.name.startsWith('run-2')));
      assert.deepEqual(await ids('metrics.roc_auc IS NULL'), expect((r) => !(r.metrics.roc_auc >= 0 || r.metrics.roc_auc < 0)));
      assert.deepEqual(await ids("start_time >= 1020000 and status = 'RUNNING'"), expect((r) => r.startedAt >= 1_020_000));
      assert.deepEqual(await ids("params.learner = 'gbdt' and (metrics.roc_auc > 0.7 or tags.team = 'growth')"), expect((r) => r.params.learner === 'gbdt' && (r.metrics.roc_auc > 0.7 || r.tags.team === 'growth')));
    });

    it('orders by a metric with missing values last, paginating without gaps or repeats', async () => {
      const got = await ids('', ['metrics.roc_auc DESC']);
      const withValue = runs.filter((r) => Number.isFinite(r.metrics.roc_auc)).sort((a, b) => b.metrics.roc_auc - a.metrics.roc_auc || b.startedAt - a.startedAt).map((r) => r.name);
      assert.deepEqual(got.slice(0, withValue.length), withValue);
      assert.equal(new Set(got).size, 30);
    });

    it('rejects malformed and hostile filters with INVALID_ARGUMENT', async () => {
      const s = c.store();
      const hostile = ["' OR 1=1 --", "params.learner = 'x' OR 1=1", "params.learner = 'x'; DROP TABLE runs", "params.learner = 'unterminated", 'metrics.auc >', 'metrics.auc > 0.5)', '((metrics.auc > 0.5)', "metrics.auc = 'x'", 'params.learner = 5', 'bogus.x = 1', 'nosuch = 1', "tags.t LIKE 5", Array.from({ length: 10_000 }, (_, i) => `metrics.m${i} > 0`).join(' and '), '('.repeat(50) + 'metrics.a > 1' + ')'.repeat(50), 'metrics.a > 1e999', 'metrics.`a > 1'];
      for (const f of hostile) await assert.rejects(s.runs.search({ filter: f }), (err: { code?: string }) => err.code === 'INVALID_ARGUMENT', f.slice(0, 60));
      await assert.rejects(s.runs.search({ orderBy: ['metrics.x; DROP TABLE runs'] }), (err: { code?: string }) => err.code === 'INVALID_ARGUMENT');
      assert.equal((await s.runs.search({ experimentIds: [exp], filter: "params.learner = 'x'' OR ''1''=''1'" })).items.length, 0);
    });
  });


  // remote stores (the SDK) do not record steps or digest-only artifacts: the case is not registered for them
  if (c.local) it('steps and artifacts are recorded per run', async () => {
    const s = c.store();
    const run = await s.runs.create({ experiment: 'exp-steps', name: 'p' });
    await s.runs.recordStep({ runId: run.id, name: 'load', status: 'RUNNING', startedAt: 1, endedAt: null, error: null });
    await s.runs.recordStep({ runId: run.id, name: 'load', status: 'SUCCEEDED', startedAt: 1, endedAt: 2, error: null });
    assert.deepEqual((await s.runs.listSteps(run.id)).map((x) => x.status), ['SUCCEEDED']);
    const digest = 'ab'.repeat(32);
    await s.runs.putArtifact({ runId: run.id, path: 'plots/roc.json', digest, size: 10 });
    assert.equal((await s.runs.getArtifact(run.id, 'plots/roc.json')).digest, digest);
    assert.deepEqual((await s.runs.listArtifacts(run.id)).map((a) => a.path), ['plots/roc.json']);
    await assert.rejects(s.runs.putArtifact({ runId: run.id, path: '../../etc/passwd', digest, size: 1 }), (err: { code?: string }) => err.code === 'INVALID_ARGUMENT');
    await assert.rejects(s.runs.getArtifact(run.id, 'nope.txt'), (err: { code?: string }) => err.code === 'NOT_FOUND');
  });
}
