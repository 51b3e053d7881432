import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rawSegments } from './http.ts';
import { Router } from './router.ts';

const ok = () => ({ status: 200 });

describe('Router.resolve', () => {
  it('finds what match finds, and the same again for the same method and path', () => {
    const router = new Router().add('POST', '/invocations', ok, { role: 'viewer' }).add('GET', '/v2/models/:name', ok, { role: 'viewer' });
    let splits = 0;
    const split = (p: string) => {
      splits++;
      return rawSegments(p);
    };
    const a = router.resolve('GET', '/v2/models/churn', split);
    assert.deepEqual(a.parts, ['v2', 'models', 'churn']);
    assert.equal(a.found, router.match('GET', ['v2', 'models', 'churn']));
    assert.equal(router.resolve('GET', '/v2/models/churn', split), a);
    assert.equal(splits, 1);
    assert.deepEqual(router.resolve('GET', '/invocations', split).found, { allowed: ['POST'] });
    assert.equal(router.resolve('PUT', '/nowhere', split).found, null);
  });

  it('looks again once a route is added, and never remembers a refused path', () => {
    const router = new Router().add('GET', '/a', ok, { role: 'viewer' });
    assert.deepEqual(router.resolve('POST', '/a', rawSegments).found, { allowed: ['GET'] });
    router.add('POST', '/a', ok, { role: 'viewer' });
    assert.equal((router.resolve('POST', '/a', rawSegments).found as { method: string }).method, 'POST');
    for (let i = 0; i < 2; i++) assert.throws(() => router.resolve('GET', '/a/%2e%2e/b', rawSegments), /path segment 2 is not allowed/);
  });

  it('stays bounded however many paths it sees', () => {
    const router = new Router().add('GET', '/v2/models/:name', ok, { role: 'viewer' });
    for (let i = 0; i < 5000; i++) router.resolve('GET', `/v2/models/m${i}`, rawSegments);
    const recent = (router as unknown as { recent: Map<string, unknown> }).recent;
    assert.ok(recent.size <= 256, `${recent.size} paths remembered`);
  });
});
