import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hasRole } from '../../src/store/index.ts';
import type { Role } from '../../src/store/index.ts';
import { concrete, startApi, type Api } from './harness.ts';

const PUBLIC = ['GET /v2/health/live', 'GET /v2/health/ready'];

describe('every route is public by name or needs a token and a role', () => {
  let api: Api;
  const tokens: Partial<Record<Role, string>> = {};
  before(async () => {
    // this test sends thousands of wrong tokens on purpose: the failed-attempt throttle (tested in test/security) is opened wide
    api = await startApi(undefined, undefined, { authThrottle: { burst: 1e9, refillMs: 1 } });
    for (const role of ['viewer', 'member', 'approver'] as Role[]) {
      const r = await api.call('POST', '/api/v1/tokens', { name: `${role}-bot`, role });
      assert.equal(r.status, 201);
      tokens[role] = ((await r.json()) as { token: string }).token;
    }
  });
  after(() => api.close());

  it('the public routes are exactly the health checks', () => {
    assert.deepEqual(api.router.routes.filter((r) => r.public).map((r) => `${r.method} ${r.pattern}`).sort(), PUBLIC.slice().sort());
  });

  it('answers 401 without a token or with a wrong one, on every other route', async () => {
    const routes = api.router.routes.filter((r) => !r.public);
    assert.ok(routes.length > 60, `${routes.length} routes`);
    for (const r of routes) {
      for (const token of [null, 'cap_wrong', 'Bearer']) {
        const res = await api.call(r.method, concrete(r.pattern), r.method === 'GET' ? undefined : {}, token);
        assert.equal(res.status, 401, `${r.method} ${r.pattern} with ${token}`);
        const body = (await res.json()) as { error?: unknown; error_code?: string };
        assert.ok(body.error !== undefined || body.error_code === 'UNAUTHENTICATED');
      }
    }
  });

  it('answers 403 to a token whose role is below the route\'s, and lets an equal role through the gate', async () => {
    for (const r of api.router.routes.filter((x) => !x.public)) {
      for (const role of ['viewer', 'member', 'approver'] as Role[]) {
        const res = await api.call(r.method, concrete(r.pattern), r.method === 'GET' ? undefined : {}, tokens[role]);
        if (!hasRole({ name: role, role }, r.role!)) assert.equal(res.status, 403, `${role} on ${r.method} ${r.pattern}`);
        else assert.ok(res.status !== 401 && res.status !== 403 && res.status < 500, `${role} on ${r.method} ${r.pattern}: ${res.status} ${await res.text()}`);
      }
    }
  });

  it('the OpenAPI document lists every route with its role', async () => {
    const doc = (await (await api.call('GET', '/api/v1/openapi.json')).json()) as { openapi: string; paths: Record<string, Record<string, { 'x-capstan-role'?: string }>> };
    assert.equal(doc.openapi, '3.1.0');
    for (const r of api.router.routes) {
      const path = '/' + r.segments.map((s) => (/^[:*]/.test(s) ? `{${s.slice(1)}}` : s)).join('/');
      const op = doc.paths[path]?.[r.method.toLowerCase()];
      assert.ok(op, `${r.method} ${path} missing`);
      if (!r.public) assert.equal(op['x-capstan-role'], r.role);
    }
  });

  it('a revoked token stops working (within the 5 s cache)', async () => {
    const r = await api.call('POST', '/api/v1/tokens', { name: 'short-lived', role: 'viewer' });
    const { token } = (await r.json()) as { token: string };
    assert.equal((await api.call('DELETE', '/api/v1/tokens/short-lived')).status, 204);
    // a fresh authenticator instance has no cache entry for it
    assert.equal(await api.stores.metadata.tokens.verify(token), null);
  });
});
