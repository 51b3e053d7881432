import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MetadataStore } from './metadata-store.ts';
import { allPages } from './run-log.ts';
import type { MetricPoint, Principal, Run } from './types.ts';

/**
 * The behaviour every MetadataStore backend must show, run against SQLite, PostgreSQL and the SDK over REST.
 * `open` gives a fresh, empty store each time it is called.
 */
export interface ConformanceOptions {
  /**
   * The store acting as someone: local stores take the actor as an argument and return themselves; the SDK returns a client
   * holding that principal's token (the server decides who is calling).
   */
  as?: (s: MetadataStore, who: Principal) => Promise<MetadataStore>;
  /** false for remote stores, which do not offer step records and digest-only artifact entries */
  local?: boolean;
  /**
   * A model bundle for a new version: where it is and its digest. Local stores record what they are told; a server reads the
   * bundle at `source` in its artifact store and refuses a version whose bundle is missing or has another digest, so its
   * backend writes a real one there.
   */
  bundle?: (name: string, key: string) => Promise<{ source: string; digest: string }>;
}

export function metadataStoreConformance(label: string, open: () => Promise<MetadataStore>, opts: ConformanceOptions = {}): void {
  describe(`MetadataStore conformance: ${label}`, () => {
    let s: MetadataStore;
    before(async () => {
      s = await open();
    });
    after(async () => {
      await s.close();
    });
    const admin = { name: 'alice', role: 'admin' as const };
    const as = (who: Principal) => (opts.as ? opts.as(s, who) : Promise.resolve(s));
    const bundle = opts.bundle ?? (async (name: string, key: string) => ({ source: `models/${name}/${key}`, digest: `d-${key}` }));

    it('experiments: create, ensure (idempotent under concurrency), names checked, paginated', async () => {
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
        exp = (await s.experiments.create({ name: 'exp-search' })).id;
        const learners = ['gbdt', 'forest', 'linear'];
        for (let i = 0; i < 30; i++) {
          const r = await s.runs.create({ experimentId: exp, name: `run-${String(i).padStart(2, '0')}`, startTime: 1_000_000 + i * 1000, tags: { team: i % 2 ? 'risk' : 'growth' } });
          const metrics = i % 7 === 3 ? [] : [{ key: 'roc_auc', value: i % 5 === 0 ? NaN : 0.5 + i / 100, step: 0, timestamp: 1 }];
          await s.runs.logBatch(r.id, { metrics, params: [{ key: 'learner', value: learners[i % 3] }] });
          runs.push(await s.runs.get(r.id));
        }
      });
      const ids = async (filter: string, orderBy?: string[]) => (await allPages((cursor) => s.runs.search({ experimentIds: [exp], filter, orderBy, cursor, limit: 7 }))).map((r) => r.name);
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
        const hostile = ["' OR 1=1 --", "params.learner = 'x' OR 1=1", "params.learner = 'x'; DROP TABLE runs", "params.learner = 'unterminated", 'metrics.auc >', 'metrics.auc > 0.5)', '((metrics.auc > 0.5)', "metrics.auc = 'x'", 'params.learner = 5', 'bogus.x = 1', 'nosuch = 1', "tags.t LIKE 5", Array.from({ length: 10_000 }, (_, i) => `metrics.m${i} > 0`).join(' and '), '('.repeat(50) + 'metrics.a > 1' + ')'.repeat(50), 'metrics.a > 1e999', 'metrics.`a > 1'];
        for (const f of hostile) await assert.rejects(s.runs.search({ filter: f }), (err: { code?: string }) => err.code === 'INVALID_ARGUMENT', f.slice(0, 60));
        await assert.rejects(s.runs.search({ orderBy: ['metrics.x; DROP TABLE runs'] }), (err: { code?: string }) => err.code === 'INVALID_ARGUMENT');
        assert.equal((await s.runs.search({ experimentIds: [exp], filter: "params.learner = 'x'' OR ''1''=''1'" })).items.length, 0);
      });
    });

    it('datasets: same content is the same version; concurrent new contents get 1..n', async () => {
      const a = await s.datasets.register({ name: 'ds', contentHash: 'h1', source: 'x', rows: 1, columns: 1, schema: { a: 1 } });
      const b = await s.datasets.register({ name: 'ds', contentHash: 'h1', source: 'y', rows: 1, columns: 1 });
      assert.deepEqual([a.id === b.id, a.version], [true, 1]);
      const many = await Promise.all(Array.from({ length: 6 }, (_, i) => s.datasets.register({ name: 'ds2', contentHash: `c${i}`, source: 's', rows: i, columns: 1 })));
      assert.deepEqual(many.map((d) => d.version).sort((x, y) => x - y), [1, 2, 3, 4, 5, 6]);
      assert.equal((await s.datasets.get('ds2')).version, 6);
      assert.deepEqual((await s.datasets.get('ds', 1)).schema, { a: 1 });
      await assert.rejects(s.datasets.get('ds', 9), /has no version 9/);
    });

    it('datasets: validations are kept per version, newest first, with their reference, and audited', async () => {
      const erin = await as({ name: 'erin', role: 'member' });
      await s.datasets.register({ name: 'checked', contentHash: 'v1', source: 'a.csv', rows: 3, columns: 2 });
      await s.datasets.register({ name: 'checked', contentHash: 'v2', source: 'b.csv', rows: 4, columns: 2 });
      const anomalies = [
        { kind: 'out_of_range', severity: 'warning' as const, column: 'age', message: 'column "age" has values above its range' },
        { kind: 'missing_column', severity: 'error' as const, column: 'plan', message: 'column "plan" is in the schema but not in the file' },
      ];
      const drift = { datasetDrift: false, share: 0.5, features: [{ name: 'age', test: 'psi', statistic: 0.31, threshold: 0.1, drifted: true }, { name: 'plan', test: null, statistic: null, threshold: null, drifted: false }] };
      const first = await erin.datasets.addValidation({ name: 'checked', version: 2, reference: { name: 'checked', version: 1 }, errors: 1, warnings: 1, anomalies, drift, runId: null, actor: 'erin' });
      assert.deepEqual([first.name, first.version, first.reference, first.errors, first.actor], ['checked', 2, { name: 'checked', version: 1 }, 1, 'erin']);
      assert.deepEqual(first.anomalies, anomalies);
      assert.deepEqual(first.drift, drift);
      await new Promise((r) => setTimeout(r, 5));
      const second = await erin.datasets.addValidation({ name: 'checked', version: 2, reference: null, errors: 0, warnings: 0, anomalies: [], drift: null, runId: null, actor: 'erin' });
      assert.deepEqual((await s.datasets.listValidations('checked', 2)).map((v) => v.id), [second.id, first.id]);
      assert.deepEqual((await s.datasets.listValidations('checked', 2, { limit: 1 })).map((v) => v.id), [second.id]);
      assert.deepEqual(await s.datasets.listValidations('checked', 1), []);
      await assert.rejects(s.datasets.listValidations('checked', 3), (err: { code?: string }) => err.code === 'NOT_FOUND');
      await assert.rejects(erin.datasets.addValidation({ name: 'checked', version: 2, reference: { name: 'checked', version: 7 }, errors: 0, warnings: 0, anomalies: [], drift: null, runId: null, actor: 'erin' }), /has no version 7/);
      const bad = [{ kind: 'x', severity: 'fatal', column: null, message: 'm' }] as unknown as typeof anomalies;
      await assert.rejects(erin.datasets.addValidation({ name: 'checked', version: 2, reference: null, errors: 0, warnings: 0, anomalies: bad, drift: null, runId: null, actor: 'erin' }), (err: { code?: string }) => err.code === 'INVALID_ARGUMENT');
      const events = (await s.audit.list({ entity: 'checked' })).items.filter((e) => e.action === 'dataset.validate');
      assert.deepEqual(events.map((e) => e.actor), ['erin', 'erin']);
    });

    it('registry: versions numbered without gaps under concurrency, lineage from the run', async () => {
      const run = await s.runs.create({ experiment: 'exp-reg', name: 'train' });
      const ds = await s.datasets.register({ name: 'train-data', contentHash: 'z', source: 'f.csv', rows: 10, columns: 2 });
      await s.runs.linkDataset(run.id, ds.id, 'training');
      const bob = await as({ name: 'bob', role: 'approver' });
      const versions = await Promise.all(Array.from({ length: 12 }, async (_, i) => bob.models.createVersion({ name: 'churn', runId: run.id, ...(await bundle('churn', String(i))), task: 'binary', metrics: { auc: i }, author: 'bob' })));
      assert.deepEqual(versions.map((v) => v.version).sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => i + 1));
      const v1 = await s.models.getVersion('churn', 1);
      assert.equal(v1.author, 'bob');
      assert.deepEqual(v1.lineage.datasets?.map((d) => [d.name, d.version, d.role]), [['train-data', 1, 'training']]);
      assert.equal((await s.models.latestVersion('churn')).version, 12);
      const page = await s.models.listVersions('churn', { limit: 5 });
      assert.deepEqual(page.items.map((v) => v.version), [1, 2, 3, 4, 5]);
      await assert.rejects(s.models.getVersion('churn', 99), /has no version 99/);
      await assert.rejects(s.models.getVersion('ghost', 1), /model "ghost" not found/);
      await assert.rejects(s.models.createModel({ name: 'churn', actor: 'x' }), (err: { code?: string }) => err.code === 'ALREADY_EXISTS');
      await assert.rejects(s.models.createVersion({ name: 'churn', runId: 'ffffffffffffffff', ...(await bundle('churn', 'x')), task: 'binary', metrics: {}, author: 'x' }), /run ffffffffffffffff not found/);
    });

    it('registry: a version\'s model card is written, replaced and audited; none is null', async () => {
      const erin = await as({ name: 'erin', role: 'member' });
      await erin.models.createVersion({ name: 'carded', runId: null, ...(await bundle('carded', '1')), task: 'binary', metrics: {}, author: 'erin' });
      assert.equal(await s.models.getCard('carded', 1), null);
      const text = '# Churn model\n\n## Intended use\nRank customers by churn risk.\n\n## Limits\n- trained on 2019 data\n';
      const card = await erin.models.setCard('carded', 1, text, 'erin');
      assert.deepEqual([card.text, card.updatedBy], [text, 'erin']);
      await erin.models.setCard('carded', 1, text + '- not for credit decisions\n', 'erin');
      assert.equal((await s.models.getCard('carded', 1))?.text, text + '- not for credit decisions\n');
      await assert.rejects(s.models.getCard('carded', 2), /has no version 2/);
      await assert.rejects(erin.models.setCard('carded', 2, 'x', 'erin'), (err: { code?: string }) => err.code === 'NOT_FOUND');
      await assert.rejects(erin.models.setCard('carded', 1, 'bell \u0007', 'erin'), (err: { code?: string }) => err.code === 'INVALID_ARGUMENT');
      const events = (await s.audit.list({ entity: 'carded' })).items.filter((e) => e.action === 'model_version.card');
      assert.deepEqual(events.map((e) => [e.actor, e.entity]), [['erin', 'carded:1'], ['erin', 'carded:1']]);
    });

    it('registry: aliases move atomically; a protected alias needs a four-eyes approval; all audited', async () => {
      const alice = await as(admin);
      const bobP: Principal = { name: 'bob', role: 'approver' };
      const carolP: Principal = { name: 'carol', role: 'approver' };
      const daveP: Principal = { name: 'dave', role: 'member' };
      const bob = await as(bobP);
      const carol = await as(carolP);
      const dave = await as(daveP);
      await alice.models.createModel({ name: 'fraud', description: 'card fraud', tags: { team: 'risk' }, actor: 'alice' });
      assert.deepEqual((await s.models.getModel('fraud')).policy, { protectedAliases: ['champion', 'production'], selfApproval: false }, 'champion (what the server serves) and production are protected by default');
      const v1 = await bob.models.createVersion({ name: 'fraud', runId: null, ...(await bundle('fraud', '1')), task: 'binary', metrics: {}, author: 'bob' });
      const v2 = await bob.models.createVersion({ name: 'fraud', runId: null, ...(await bundle('fraud', '2')), task: 'binary', metrics: {}, author: 'bob' });
      await bob.models.setAlias('fraud', 'staging', v1.version, bobP);
      // readers racing a stream of moves always see exactly one version
      const moves = (async () => {
        for (let i = 0; i < 20; i++) await bob.models.setAlias('fraud', 'staging', i % 2 ? v1.version : v2.version, bobP);
      })();
      const reads = (async () => {
        for (let i = 0; i < 40; i++) {
          const v = await s.models.aliasVersion('fraud', 'staging');
          assert.ok(v === 1 || v === 2, `alias read ${v}`);
        }
      })();
      await Promise.all([moves, reads]);
      await assert.rejects(bob.models.setAlias('fraud', 'champion', 1, bobP), (err: { code?: string; message: string }) => err.code === 'PERMISSION_DENIED' && /"champion" is protected/.test(err.message));
      await assert.rejects(bob.models.setAlias('fraud', 'production', 2, bobP), (err: { code?: string; message: string }) => err.code === 'PERMISSION_DENIED' && /needs an approval/.test(err.message));
      await assert.rejects(bob.models.approve({ name: 'fraud', version: 2, alias: 'production', approver: bobP, comment: 'mine' }), (err: { message: string }) => /cannot approve it/.test(err.message) && /--role approver/.test(err.message) && /--self-approval/.test(err.message), 'the refusal names the ways out');
      await assert.rejects(dave.models.approve({ name: 'fraud', version: 2, alias: 'production', approver: daveP, comment: 'ok' }), /needs the approver role/);
      const ok = await carol.models.approve({ name: 'fraud', version: 2, alias: 'production', approver: carolP, comment: 'reviewed' });
      assert.deepEqual([ok.approver, ok.self], ['carol', false]);
      await assert.rejects(bob.models.setAlias('fraud', 'production', 1, bobP), /needs an approval/, 'the approval is for version 2 only');
      await bob.models.setAlias('fraud', 'production', 2, bobP, 'release 2');
      assert.equal((await s.models.resolveAlias('fraud', 'production')).version, 2);
      await assert.rejects(dave.models.deleteAlias('fraud', 'production', daveP, 'oops'), (err: { code?: string; message: string }) => err.code === 'PERMISSION_DENIED' && /approver role/.test(err.message));
      await assert.rejects(bob.models.setPolicy('fraud', { protectedAliases: ['production'] }, bobP), /admin role/);
      await alice.models.setPolicy('fraud', { protectedAliases: ['production', 'champion', 'staging'] }, admin);
      await assert.rejects(bob.models.setAlias('fraud', 'staging', 2, bobP), /protected/);
      await alice.models.deleteAlias('fraud', 'production', admin, 'rollback');
      assert.equal(await s.models.aliasVersion('fraud', 'production'), null);
      await assert.rejects(s.models.setAlias('fraud', '../x', 1, bobP), (err: { code?: string }) => err.code === 'INVALID_ARGUMENT');
      const events = await allPages((cursor) => s.audit.list({ entity: 'fraud', cursor, limit: 10 }));
      const actions = events.map((e) => e.action);
      assert.equal(actions[0], 'model.create');
      assert.ok(actions.includes('approval.create') && actions.includes('model.policy') && actions.includes('alias.delete'));
      const prod = events.find((e) => e.action === 'alias.set' && e.entity === 'fraud@production')!;
      assert.deepEqual([prod.actor, (prod.detail as { to: number; reason: string }).to, (prod.detail as { reason: string }).reason], ['bob', 2, 'release 2']);
      // refusals are audited too, outside the refused change: who, what, why
      const denied = events.filter((e) => e.action.endsWith('.denied')).map((e) => [e.actor, e.action, e.entity]);
      assert.deepEqual(denied, [
        ['bob', 'alias.set.denied', 'fraud@champion'],
        ['bob', 'alias.set.denied', 'fraud@production'],
        ['bob', 'approval.create.denied', 'fraud:2'],
        ['dave', 'approval.create.denied', 'fraud:2'],
        ['bob', 'alias.set.denied', 'fraud@production'],
        ['dave', 'alias.delete.denied', 'fraud@production'],
        ['bob', 'model.policy.denied', 'fraud'],
        ['bob', 'alias.set.denied', 'fraud@staging'],
      ]);
      assert.match((events.find((e) => e.action === 'approval.create.denied')!.detail as { reason: string }).reason, /cannot approve it/);
      for (let i = 1; i < events.length; i++) assert.ok(events[i].id > events[i - 1].id && events[i].at >= events[i - 1].at);
      const models = await s.models.listModels({ nameLike: 'fra%' });
      assert.deepEqual(models.items.map((m) => [m.name, m.tags.team, m.latestVersion]), [['fraud', 'risk', 2]]);
    });

    it('registry: traffic splits pass the approval gate of the served alias; reserved tags refused; self-approval by policy', async () => {
      const alice = await as(admin);
      const annP: Principal = { name: 'ann', role: 'approver' };
      const memP: Principal = { name: 'mem', role: 'member' };
      const ann = await as(annP);
      const mem = await as(memP);
      for (let i = 0; i < 3; i++) await mem.models.createVersion({ name: 'split', runId: null, ...(await bundle('split', String(i))), task: 'binary', metrics: {}, author: 'mem' });
      await ann.models.approve({ name: 'split', version: 1, alias: 'champion', approver: annP, comment: 'ok' });
      await mem.models.setAlias('split', 'champion', 1, memP);
      await mem.models.setAlias('split', 'canary', 3, memP);
      await assert.rejects(mem.models.setTraffic('split', { routes: [{ alias: 'champion', weight: 90 }, { version: 2, weight: 10 }] }, memP), (err: { code?: string; message: string }) => err.code === 'PERMISSION_DENIED' && /split:2 in front of callers/.test(err.message));
      await assert.rejects(mem.models.setTraffic('split', { routes: [{ alias: 'champion', weight: 90 }, { alias: 'canary', weight: 10 }] }, memP), /alias is not protected/);
      await assert.rejects(mem.models.setTraffic('split', { routes: [{ version: 9, weight: 10 }] }, memP), (err: { code?: string }) => err.code === 'NOT_FOUND');
      // a shadow and a weight of 0 put nothing in front of callers
      const shadowed = await mem.models.setTraffic('split', { routes: [{ alias: 'champion', weight: 100 }, { version: 2, weight: 0 }], shadow: { version: 3 } }, memP);
      assert.deepEqual(shadowed.traffic, { routes: [{ alias: 'champion', weight: 100 }, { version: 2, weight: 0 }], shadow: { version: 3 } });
      await ann.models.approve({ name: 'split', version: 2, alias: 'champion', approver: annP, comment: 'canary ok' });
      const canary = await mem.models.setTraffic('split', { routes: [{ alias: 'champion', weight: 90 }, { version: 2, weight: 10 }], stickyHeader: 'x-user' }, memP);
      assert.equal(canary.traffic?.stickyHeader, 'x-user');
      assert.deepEqual((await s.models.getModel('split')).traffic, canary.traffic);
      await assert.rejects(mem.models.setPolicy('split', { protectedAliases: ['production'] }, memP), /admin role/);
      await assert.rejects(mem.models.setModelTag('split', 'capstan.traffic', '{"routes":[{"version":3,"weight":1}]}', 'mem'), (err: { code?: string; message: string }) => err.code === 'INVALID_ARGUMENT' && /reserved/.test(err.message));
      await assert.rejects(s.models.createModel({ name: 'tagged', tags: { 'capstan.x': 'y' }, actor: 'mem' }), /reserved/);
      assert.equal((await mem.models.setTraffic('split', null, memP)).traffic, null);
      // without champion protection the gate is open (an admin's decision, audited)
      await alice.models.setPolicy('split', { protectedAliases: ['production'] }, admin);
      await mem.models.setTraffic('split', { routes: [{ version: 3, weight: 1 }] }, memP);
      // self-approval only where the policy allows it, and recorded as such
      await alice.models.setPolicy('split', { protectedAliases: ['champion', 'production'] }, admin);
      const solo = { name: 'solo', role: 'approver' as const };
      const soloStore = await as(solo);
      await soloStore.models.createVersion({ name: 'split', runId: null, ...(await bundle('split', '4')), task: 'binary', metrics: {}, author: 'solo' });
      await assert.rejects(soloStore.models.approve({ name: 'split', version: 4, alias: 'production', approver: solo, comment: '' }), /cannot approve it/);
      await alice.models.setPolicy('split', { selfApproval: true }, admin);
      const self = await soloStore.models.approve({ name: 'split', version: 4, alias: 'production', approver: solo, comment: 'one-person team' });
      assert.equal(self.self, true);
      await soloStore.models.setAlias('split', 'production', 4, solo);
      const audit = await allPages((cursor) => s.audit.list({ entity: 'split', cursor, limit: 100 }));
      const approval = audit.filter((e) => e.action === 'approval.create').at(-1)!;
      assert.deepEqual([approval.actor, (approval.detail as { self?: boolean }).self], ['solo', true]);
      assert.ok(audit.some((e) => e.action === 'model.traffic' && e.actor === 'mem'));
    });

    it('tokens: hashed, verified, revoked; names unique', async () => {
      const { token, info } = await s.tokens.create({ name: 'ci-bot', role: 'member', actor: 'alice' });
      assert.match(token, /^cap_[A-Za-z0-9_-]{32}$/);
      assert.deepEqual(await s.tokens.verify(token), { name: 'ci-bot', role: 'member' });
      assert.equal(await s.tokens.verify(token + 'x'), null);
      assert.ok(!JSON.stringify(await s.tokens.list()).includes(token));
      await assert.rejects(s.tokens.create({ name: 'ci-bot', role: 'viewer', actor: 'alice' }), (err: { code?: string }) => err.code === 'ALREADY_EXISTS');
      await assert.rejects(s.tokens.create({ name: 'x', role: 'root' as never, actor: 'alice' }), /role must be one of/);
      await s.tokens.revoke('ci-bot', 'alice');
      assert.equal(await s.tokens.verify(token), null);
      assert.equal(info.role, 'member');
    });

    it('monitoring windows add up when read, and compact minutes into hours atomically', async () => {
      if (opts.local === false) {
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
      if (opts.local === false) {
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
      if (opts.local === false) {
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
    if (opts.local !== false) it('pipeline schedules: of concurrent claims of one due time exactly one wins', async () => {
      const due = Date.now() - 1000;
      await s.schedules.put({ name: 'due', spec: {}, cron: '* * * * *', params: {}, nextAt: due, actor: 'alice' });
      const wins = await Promise.all(Array.from({ length: 8 }, () => s.schedules.claim('due', due, due + 60_000)));
      assert.equal(wins.filter(Boolean).length, 1);
      assert.equal((await s.schedules.get('due')).nextAt, due + 60_000);
      assert.equal(await s.schedules.claim('due', due, due + 120_000), false);
      await s.schedules.fired('due', 'r1', due);
      assert.deepEqual([(await s.schedules.get('due')).lastRunId, (await s.schedules.get('due')).lastAt], ['r1', due]);
    });

    // remote stores (the SDK) do not record steps or digest-only artifacts: the case is not registered for them
    if (opts.local !== false) it('steps and artifacts are recorded per run', async () => {
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
  });
}
