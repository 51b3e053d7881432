import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createServingHooks, type ServingHooks } from '../src/serve/index.ts';
import { compareShadow } from '../src/monitor/index.ts';
import { createApp, listen, RegistryModelProvider } from '../src/server/index.ts';
import { openStores, type Stores } from '../src/store/index.ts';
import { files, cli, TELCO, tempHome } from './helpers.ts';

const row = { female: 1, senior_citizen: 0, partner: 1, dependents: 0, tenure: 1, phone_service: 0, multiple_lines: 'No phone service', internet_service: 'DSL', online_security: 'No', online_backup: 'Yes', device_protection: 'No', tech_support: 'No', streaming_tv: 'No', streaming_movies: 'No', contract: 'Month-to-month', paperless_billing: 1, payment_method: 'Electronic check', monthly_charges: 29.85, total_charges: 29.85 };

describe('traffic splits: canary weights, sticky routing, shadow, a version that fails to load', () => {
  const home = tempHome();
  let stores: Stores;
  let server: Server;
  let hooks: ServingHooks;
  let url: string;
  const reports: string[] = [];

  before(async () => {
    for (const n of ['5', '10', '15']) assert.equal(cli(['train', TELCO, '--target', 'churn', '--cv', '0', '--param', `n_estimators=${n}`, '--register', 'churn'], home).status, 0);
    stores = await openStores(home);
    // every version that gets a weight is approved for champion (the governance gate of traffic splits)
    const reviewer = { name: 'reviewer', role: 'approver' as const };
    for (const version of [1, 2, 3]) await stores.metadata.models.approve({ name: 'churn', version, alias: 'champion', approver: reviewer, comment: '' });
    hooks = createServingHooks(stores.metadata, { intervalMs: 50 });
    ({ server } = createApp({ models: new RegistryModelProvider(stores, (m, v, msg) => reports.push(msg)), stores, authenticate: null, serving: hooks }));
    url = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await hooks.close();
    await stores.metadata.close();
  });

  const traffic = async (...args: string[]) => {
    const r = cli(['models', 'traffic', 'churn', ...args], home);
    assert.equal(r.status, 0, r.stderr);
    // the server reads a split at most once a second
    await new Promise((res) => setTimeout(res, 1100));
  };
  const ask = async (headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}/invocations?model=churn`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ dataframe_records: [row] }) });
    assert.equal(res.status, 200, await res.clone().text());
    return { version: res.headers.get('x-model-version')!, id: res.headers.get('x-prediction-id')! };
  };

  it('weights split the traffic (90/10 over 2000 requests)', async () => {
    await traffic('--split', '1=90,2=10');
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const { version } = await ask();
      counts.set(version, (counts.get(version) ?? 0) + 1);
    }
    assert.deepEqual([...counts.keys()].sort(), ['1', '2']);
    const share = counts.get('2')! / 2000;
    assert.ok(share > 0.07 && share < 0.13, `canary share ${share}`);
  });

  it('a sticky header pins each caller to one route', async () => {
    await traffic('--split', '1=50,2=50', '--sticky-header', 'X-User');
    const seen = new Set<string>();
    for (let u = 0; u < 30; u++) {
      const versions = new Set<string>();
      for (let i = 0; i < 5; i++) versions.add((await ask({ 'x-user': `user-${u}` })).version);
      assert.equal(versions.size, 1, `user-${u} saw ${[...versions]}`);
      seen.add([...versions][0]);
    }
    assert.deepEqual([...seen].sort(), ['1', '2']);
  });

  it('a shadow version gets a copy of every request: logged as shadow, never returned', async () => {
    await traffic('--split', '1=100', '--shadow', '3');
    const since = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const a = await ask();
      assert.equal(a.version, '1');
      ids.push(a.id);
    }
    // shadow answers come after the responses: wait for them (10 s at most, a loaded machine)
    let logged: Awaited<ReturnType<typeof stores.metadata.predictions.list>>['items'] = [];
    let shadows: typeof logged = [];
    let of = new Set<string>();
    for (const deadline = Date.now() + 10_000; !ids.every((id) => of.has(id)) && Date.now() < deadline; ) {
      await new Promise((res) => setTimeout(res, 50));
      await hooks.log!.flush();
      logged = (await stores.metadata.predictions.list({ model: 'churn', since, limit: 1000 })).items;
      shadows = logged.filter((p) => p.shadow);
      of = new Set(shadows.map((p) => (p.outputs as { shadow_of: string }).shadow_of));
    }
    assert.ok(ids.every((id) => of.has(id)), 'every answered request has its shadow record');
    assert.ok(shadows.every((p) => p.version === '3'));
    const primary = logged.find((p) => p.id === ids[0])!;
    assert.equal(primary.version, '1');
    assert.deepEqual(shadows.find((p) => (p.outputs as { shadow_of: string }).shadow_of === ids[0])!.features, primary.features);
    // the shadow compared with what was served, from the log alone
    const c = await compareShadow(stores, 'churn', { since, until: Date.now() + 1 });
    assert.deepEqual([c.challenger.version, c.requests, c.rows], [3, 20, 20]);
    assert.ok(c.agreement !== null && c.agreement >= 0 && c.agreement <= 1 && c.meanAbsDiff >= 0);
  });

  it('a version that fails to load leaves the previous one serving, and is reported once', async () => {
    await traffic('--split', '1=100');
    assert.equal((await ask()).version, '1');
    const v3 = await stores.metadata.models.getVersion('churn', 3);
    const dir = files(stores).resolve(v3.source);
    // a fresh server would have to load version 3 from disk: break its bundle
    for (const f of readdirSync(dir)) if (f !== 'capstan-model.json') rmSync(join(dir, f));
    const fresh = new RegistryModelProvider(stores, (m, v, msg) => reports.push(msg));
    assert.equal((await fresh.get('churn')).versionLabel, '1');
    await stores.metadata.models.setTraffic('churn', { routes: [{ version: 3, weight: 1 }] }, { name: 'test', role: 'member' });
    await new Promise((res) => setTimeout(res, 1100));
    for (let i = 0; i < 5; i++) assert.equal((await fresh.get('churn')).versionLabel, '1');
    assert.equal(reports.filter((r) => /churn:3 failed to load/.test(r)).length, 1, reports.join('\n'));
    // an explicit request for the broken version is UNAVAILABLE (a 503), not an internal error
    await assert.rejects(fresh.get('churn', '3'), (e: { code?: string }) => e.code === 'UNAVAILABLE');
  });

  it('bad splits are clear errors naming the field', () => {
    for (const [args, re] of [
      [['--split', '1=abc'], /--split part 1 must be VERSION_OR_ALIAS=WEIGHT/],
      [['--split', '1=0'], /the weights must not all be 0/],
      [['--split', '9=1'], /version 9|not found/],
      [['--shadow', '2'], /--shadow and --sticky-header go with --split/],
    ] as const) {
      const r = cli(['models', 'traffic', 'churn', ...args], home);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, re);
    }
  });
});
