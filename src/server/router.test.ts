import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { route } from '../api/index.ts';
import { rawSegments } from './http.ts';
import { Router } from './router.ts';

const ok = () => ({ status: 200 as const, body: {} });
const r = <const M extends 'GET' | 'POST', const P extends string>(method: M, path: P) => route({ method, path, role: 'viewer', tag: 't', summary: 's', responses: { 200: Type.Object({}) } });
const match = (router: Router, method: string, path: string) => router.match(method, rawSegments(path));

describe('Router', () => {
  const router = new Router()
    .on(r('POST', '/invocations'), ok)
    .on(r('GET', '/v2/models/:name'), ok)
    .on(r('POST', '/api/v1/runs/search'), ok)
    .on(r('GET', '/api/v1/runs/:runId'), ok)
    .on(r('GET', '/api/v1/runs/:runId/artifacts'), ok)
    .on(r('GET', '/api/v1/runs/:runId/artifacts/*path'), ok);
  const pattern = (f: ReturnType<Router['match']>) => (f && 'pattern' in f ? `${f.method} ${f.pattern}` : f);

  it('matches fixed segments, parameters and a trailing *path', () => {
    assert.equal(pattern(match(router, 'GET', '/v2/models/churn')), 'GET /v2/models/:name');
    assert.equal(pattern(match(router, 'GET', '/api/v1/runs/0123456789abcdef/artifacts')), 'GET /api/v1/runs/:runId/artifacts');
    assert.equal(pattern(match(router, 'GET', '/api/v1/runs/0123456789abcdef/artifacts/a/b.txt')), 'GET /api/v1/runs/:runId/artifacts/*path');
    assert.equal(pattern(match(router, 'HEAD', '/v2/models/churn')), 'GET /v2/models/:name');
  });

  it('prefers a fixed segment, and falls back to a parameter for another method', () => {
    assert.equal(pattern(match(router, 'POST', '/api/v1/runs/search')), 'POST /api/v1/runs/search');
    assert.equal(pattern(match(router, 'GET', '/api/v1/runs/search')), 'GET /api/v1/runs/:runId');
  });

  it('names the methods allowed on a known path, and nothing on an unknown one', () => {
    assert.deepEqual(match(router, 'GET', '/invocations'), { allowed: ['POST'] });
    assert.equal(match(router, 'PUT', '/nowhere'), null);
    assert.equal(match(router, 'GET', '/v2/models'), null);
    assert.equal(match(router, 'GET', '/v2/models/a/b'), null);
  });

  it('refuses a route declared twice and a parameter without a rule', () => {
    assert.throws(() => new Router().on(r('GET', '/a'), ok).on(r('GET', '/a'), ok), /declared twice/);
    assert.throws(() => r('GET', '/a/:nope'), /parameter "nope" has no validation rule/);
  });

  it('checks a declared query and body, naming the field', () => {
    const c = route({
      method: 'POST', path: '/x', role: 'viewer', tag: 't', summary: 's',
      query: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1 })), id: Type.Optional(Type.Array(Type.String())) }),
      body: Type.Object({ name: Type.String({ minLength: 1 }), metrics: Type.Optional(Type.Array(Type.Object({ value: Type.Number() }))) }),
      responses: { 200: Type.Object({}) },
    });
    const route_ = { check: new Router().on(c, ok).routes[0].check! };
    const q = (s: string) => new URLSearchParams(s);
    assert.deepEqual(route_.check(q('limit=5&id=a&id=b'), { name: 'n' }), { q: { limit: 5, id: ['a', 'b'] }, body: { name: 'n' } });
    assert.throws(() => route_.check(q('limit=0'), { name: 'n' }), /^CapstanError: limit must be an integer >= 1$/);
    assert.throws(() => route_.check(q('limit=x'), { name: 'n' }), /limit must be an integer >= 1/);
    assert.throws(() => route_.check(q(''), {}), /name is required \(a non-empty string\)/);
    assert.throws(() => route_.check(q(''), { name: 'n', metrics: [{ value: 'x' }] }), /metrics\[0\]\.value must be a number/);
    assert.throws(() => route_.check(q(''), [1]), /request body must be a JSON object/);
  });
});
