import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CapstanClient } from '../../src/sdk/index.ts';
import { allPages } from '../../src/store/index.ts';
import { startApi, type Api } from '../api/harness.ts';
import { cli, cliAsync, TELCO, tempHome } from '../helpers.ts';

/*
 * Every governed change (moving or removing a protected alias, a traffic weight, an approval) tried through every entry
 * point: the /api/v1 routes, the MLflow routes, the SDK, the CLI against a server and the CLI on the local store. The rules
 * live once in the store, so each one refuses the same way, the bare name keeps answering with the approved champion, and
 * every refusal lands in the audit log.
 */
describe('governance holds through every entry point', () => {
  const home = tempHome();
  let api: Api;
  let member: string;
  const row = { female: 1, senior_citizen: 0, partner: 1, dependents: 0, tenure: 1, phone_service: 0, multiple_lines: 'No phone service', internet_service: 'DSL', online_security: 'No', online_backup: 'Yes', device_protection: 'No', tech_support: 'No', streaming_tv: 'No', streaming_movies: 'No', contract: 'Month-to-month', paperless_billing: 1, payment_method: 'Electronic check', monthly_charges: 29.85, total_charges: 29.85 };

  before(async () => {
    for (const n of ['5', '8']) assert.equal(cli(['train', TELCO, '--target', 'churn', '--cv', '0', '--param', `n_estimators=${n}`, '--register', 'churn'], home).status, 0);
    api = await startApi(undefined, home);
    const token = async (name: string, role: string) => ((await (await api.call('POST', '/api/v1/tokens', { name, role })).json()) as { token: string }).token;
    member = await token('mem', 'member');
    const ann = await token('ann', 'approver');
    assert.equal((await api.call('POST', '/api/v1/models/churn/versions/1/approvals', { alias: 'champion', comment: 'reviewed' }, ann)).status, 201);
    assert.equal((await api.call('PUT', '/api/v1/models/churn/aliases/champion', { version: 1 }, ann)).status, 200);
  });
  after(() => api.close());

  const servedVersion = async () => {
    const res = await api.call('POST', '/invocations?model=churn', { dataframe_records: [row] }, member);
    assert.equal(res.status, 200);
    return res.headers.get('x-model-version');
  };
  const expectRefused = async (what: string, attempt: () => Promise<{ status: number | null; text: string }>, status: number, re: RegExp) => {
    const r = await attempt();
    assert.equal(r.status, status, `${what}: ${r.text}`);
    assert.match(r.text, re, what);
  };
  const viaFetch = (method: string, path: string, body?: unknown) => async () => {
    const res = await api.call(method, path, body, member);
    return { status: res.status, text: await res.text() };
  };
  const viaSdk = (fn: (c: CapstanClient) => Promise<unknown>) => async () => {
    try {
      await fn(new CapstanClient(api.url, member));
      return { status: 200, text: 'accepted' };
    } catch (e) {
      return { status: (e as { httpStatus?: number }).httpStatus ?? 0, text: (e as Error).message };
    }
  };
  // the server runs in this process: the CLI runs beside it without blocking it
  const viaCli = (args: string[], remote: boolean) => async () => {
    const r = await cliAsync([...args, ...(remote ? ['--server', api.url, '--token', member] : [])], home);
    return { status: r.status === 0 ? 200 : r.status === 1 ? 403 : r.status, text: r.stderr + r.stdout };
  };

  it('a member deletes a protected alias through the MLflow route: refused there as on every other entry point', async () => {
    const memberP = { name: 'mem', role: 'member' as const };
    await expectRefused('MLflow DELETE alias', viaFetch('DELETE', '/api/2.0/mlflow/registered-models/alias', { name: 'churn', alias: 'champion' }), 403, /approver role/);
    await expectRefused('/api/v1 DELETE alias', viaFetch('DELETE', '/api/v1/models/churn/aliases/champion'), 403, /approver role/);
    await expectRefused('SDK deleteAlias', viaSdk((c) => c.models.deleteAlias('churn', 'champion', memberP)), 403, /approver role/);
    await expectRefused('CLI --server alias --delete', viaCli(['models', 'alias', 'churn', 'champion', '--delete'], true), 403, /approver role/);
    assert.equal(await servedVersion(), '1');
  });

  it('a member moves champion (what the server serves) to an unapproved version: refused everywhere, the CLI\'s local admin too', async () => {
    const memberP = { name: 'mem', role: 'member' as const };
    await expectRefused('MLflow POST alias', viaFetch('POST', '/api/2.0/mlflow/registered-models/alias', { name: 'churn', alias: 'champion', version: '2' }), 403, /champion\\?" is protected/);
    await expectRefused('/api/v1 PUT alias', viaFetch('PUT', '/api/v1/models/churn/aliases/champion', { version: 2 }), 403, /champion\\?" is protected/);
    await expectRefused('SDK setAlias', viaSdk((c) => c.models.setAlias('churn', 'champion', 2, memberP)), 403, /champion\\?" is protected/);
    await expectRefused('CLI --server alias', viaCli(['models', 'alias', 'churn:2', 'champion'], true), 403, /champion\\?" is protected/);
    await expectRefused('CLI local alias', viaCli(['models', 'alias', 'churn:2', 'champion'], false), 403, /champion\\?" is protected/);
    await expectRefused('CLI local production', viaCli(['models', 'alias', 'churn:2', 'production'], false), 403, /production\\?" is protected/);
    assert.equal(await servedVersion(), '1');
  });

  it('a member chooses the served version through the traffic tag or a split: refused everywhere', async () => {
    const memberP = { name: 'mem', role: 'member' as const };
    await expectRefused('raw tag capstan.traffic', viaFetch('PUT', '/api/v1/models/churn/tags/capstan.traffic', { value: '{"routes":[{"version":2,"weight":100}]}' }), 400, /reserved/);
    await expectRefused('raw tag, garbage', viaFetch('PUT', '/api/v1/models/churn/tags/capstan.traffic', { value: 'garbage' }), 400, /reserved/);
    await expectRefused('/api/v1 PUT traffic', viaFetch('PUT', '/api/v1/models/churn/traffic', { routes: [{ version: 2, weight: 100 }] }), 403, /churn:2 in front of callers/);
    await expectRefused('/api/v1 PUT traffic, bad spec', viaFetch('PUT', '/api/v1/models/churn/traffic', { routes: 'all' }), 400, /routes must be an array/);
    await expectRefused('SDK setTraffic', viaSdk((c) => c.models.setTraffic('churn', { routes: [{ alias: 'champion', weight: 50 }, { version: 2, weight: 50 }] }, memberP)), 403, /churn:2 in front of callers/);
    await expectRefused('CLI --server traffic', viaCli(['models', 'traffic', 'churn', '--split', '2=100'], true), 403, /churn:2 in front of callers/);
    await expectRefused('CLI local traffic', viaCli(['models', 'traffic', 'churn', '--split', 'champion=90,2=10'], false), 403, /churn:2 in front of callers/);
    // a shadow is exempt: its answers are never returned
    assert.equal((await viaCli(['models', 'traffic', 'churn', '--split', 'champion=100', '--shadow', '2'], true)()).status, 200);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(await servedVersion(), '1');
    assert.equal((await viaCli(['models', 'traffic', 'churn', '--clear'], true)()).status, 200);
  });

  it('a single local user cannot approve their own version; the error names the way out; the policy can allow it, audited', async () => {
    await expectRefused('CLI local self-approval', viaCli(['models', 'approve', 'churn:2', '--alias', 'production'], false), 403, /cannot approve it.*capstan tokens create --name NAME --role approver.*capstan models policy churn --self-approval/s);
    await expectRefused('member sets the policy', viaFetch('PUT', '/api/v1/models/churn/policy', { selfApproval: true }), 403, /admin role/);
    assert.equal((await cliAsync(['models', 'policy', 'churn', '--self-approval'], home)).status, 0);
    const ok = await cliAsync(['models', 'approve', 'churn:2', '--alias', 'production'], home);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /self-approval/);
    assert.equal((await cliAsync(['models', 'alias', 'churn:2', 'production'], home)).status, 0);
    assert.equal((await cliAsync(['models', 'policy', 'churn', '--no-self-approval'], home)).status, 0);
  });

  it('every refusal is in the audit log: who, what, why', async () => {
    const events = await allPages((cursor) => api.stores.metadata.audit.list({ entity: 'churn', cursor, limit: 1000 }));
    const denied = events.filter((e) => e.action.endsWith('.denied'));
    const count = (action: string, actor?: string) => denied.filter((e) => e.action === action && (actor === undefined || e.actor === actor)).length;
    assert.equal(count('alias.delete.denied', 'mem'), 4, 'MLflow, /api/v1, SDK, CLI --server');
    assert.equal(count('alias.set.denied', 'mem'), 4);
    assert.ok(count('alias.set.denied') >= 6, 'and the local CLI\'s two');
    assert.equal(count('model.traffic.denied', 'mem'), 3);
    assert.equal(count('model.policy.denied', 'mem'), 1, 'refused by the route\'s role, recorded by the server');
    assert.ok(count('approval.create.denied') >= 1);
    for (const e of denied) assert.ok(typeof (e.detail as { reason?: string }).reason === 'string' && (e.detail as { reason: string }).reason.length > 10, JSON.stringify(e));
    const selfApproval = events.find((e) => e.action === 'approval.create' && (e.detail as { self?: boolean }).self);
    assert.ok(selfApproval, 'the self-approval is recorded as one');
  });
});
