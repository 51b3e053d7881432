import assert from 'node:assert/strict';
import { it } from 'node:test';
import { allPages } from '../run-log.ts';
import type { Principal } from '../types.ts';
import type { ConformanceContext } from './context.ts';

/** Datasets and their validations, the model registry (versions, cards, aliases, approvals, traffic) and tokens. */
export function registryCases(c: ConformanceContext): void {
  const { as, bundle, admin } = c;
  it('datasets: same content is the same version; concurrent new contents get 1..n', async () => {
    const s = c.store();
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
    const s = c.store();
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
    const s = c.store();
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
    const s = c.store();
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
    const s = c.store();
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
    const s = c.store();
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
    const s = c.store();
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
}
