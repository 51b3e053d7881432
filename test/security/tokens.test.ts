import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminToken } from '../../src/server/index.ts';
import { startApi, type Api } from '../api/harness.ts';
import { cli, tempHome } from '../helpers.ts';

/* Findings 7, 8 and the route-table part of 11: guessing costs, refusals leave a trace, anonymous callers learn nothing. */
describe('tokens and refusals', () => {
  let api: Api;
  // the throttle's clock stands still until the test moves it: a real clock lets one guess through per second, and the
  // admin call below would pass whenever it landed just after the bucket drained
  let clock = Date.now();
  before(async () => {
    api = await startApi(undefined, undefined, { authThrottle: { now: () => clock } });
  });
  after(() => api.close());

  it('token guessing is free: past 20 failures a client gets 429 with Retry-After, counted in /metrics; valid tokens still work elsewhere', async () => {
    const statuses: number[] = [];
    let retryAfter = '';
    for (let i = 0; i < 2000; i++) {
      const res = await api.call('GET', '/api/v1/models', undefined, `cap_guess_${i}`);
      statuses.push(res.status);
      if (res.status === 429) retryAfter ||= res.headers.get('retry-after') ?? '';
      await res.arrayBuffer();
    }
    assert.deepEqual(statuses.slice(0, 20), new Array(20).fill(401));
    assert.deepEqual(statuses.slice(20), new Array(1980).fill(429), 'the rest were throttled');
    assert.equal(retryAfter, '1');
    // the admin token from the same address also waits (the client, not the token, is throttled) ...
    assert.equal((await api.call('GET', '/api/v1/models')).status, 429);
    // ... and the counters say what happened
    clock += 1100;
    const metrics = await (await api.call('GET', '/metrics')).text();
    assert.match(metrics, /capstan_auth_failures_total (\d+)/);
    assert.equal(Number(/capstan_auth_failures_total (\d+)/.exec(metrics)![1]), 20);
    assert.equal(Number(/capstan_auth_throttled_total (\d+)/.exec(metrics)![1]), 1981);
  });

  it('admin tokens shorter than 32 characters are refused at start', () => {
    const home = tempHome();
    assert.throws(() => adminToken(home, { CAPSTAN_ADMIN_TOKEN: 'a' }), /CAPSTAN_ADMIN_TOKEN must be at least 32 printable characters/);
    const r = cli(['server', '--port', '0'], home, { CAPSTAN_ADMIN_TOKEN: 'short-token' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /at least 32 printable characters/);
    assert.equal(adminToken(home, { CAPSTAN_ADMIN_TOKEN: 'x'.repeat(32) }).token.length, 32);
  });
});

describe('refusals leave a trace; the route table is not shown to anonymous callers', () => {
  let api: Api;
  before(async () => {
    api = await startApi();
  });
  after(() => api.close());

  it('refusals leave no trace: 401s and 403s of state-changing requests land in the audit log (who, what, why), reads do not', async () => {
    const viewer = ((await (await api.call('POST', '/api/v1/tokens', { name: 'val', role: 'viewer' })).json()) as { token: string }).token;
    assert.equal((await api.call('POST', '/api/v1/experiments', { name: 'x' }, viewer)).status, 403);
    assert.equal((await api.call('PUT', '/api/v1/models/m/policy', { selfApproval: true }, viewer)).status, 403);
    assert.equal((await api.call('POST', '/api/v1/experiments', { name: 'x' }, 'cap_not_a_token')).status, 401);
    assert.equal((await api.call('GET', '/api/v1/experiments', undefined, 'cap_not_a_token')).status, 401);
    const events = (await api.stores.metadata.audit.list({ limit: 100 })).items.filter((e) => e.action.endsWith('.denied'));
    const seen = events.map((e) => [e.actor, e.action, e.entity, (e.detail as { status: number }).status]);
    assert.deepEqual(seen, [
      ['val', 'request.denied', 'POST /api/v1/experiments', 403],
      ['val', 'model.policy.denied', 'm', 403],
      ['anonymous', 'request.denied', 'POST /api/v1/experiments', 401],
    ]);
    assert.match((events[0].detail as { reason: string }).reason, /needs the member role; val has viewer/);
  });

  it('unknown routes answer 404/405 before authentication: now 401 first, so anonymous callers cannot map the routes', async () => {
    for (const [method, path] of [['GET', '/api/v1/no-such-thing'], ['DELETE', '/api/v1/experiments'], ['GET', '/admin'], ['PATCH', '/v2/health/live']] as const) {
      assert.equal((await api.call(method, path, undefined, null)).status, 401, `${method} ${path} anonymous`);
      assert.equal((await api.call(method, path, undefined, 'cap_wrong_token_value')).status, 401, `${method} ${path} wrong token`);
    }
    assert.equal((await api.call('GET', '/api/v1/no-such-thing')).status, 404);
    assert.equal((await api.call('DELETE', '/api/v1/experiments')).status, 405);
    // health stays public
    assert.equal((await api.call('GET', '/v2/health/live', undefined, null)).status, 200);
  });
});
