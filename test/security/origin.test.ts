import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { sameOrigin } from '../../src/server/http.ts';
import { ADMIN, startApi, type Api } from '../api/harness.ts';

/** A raw request with the headers a browser page would send (fetch may not set Origin). */
function send(api: Api, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(api.url + path, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('Origin on state-changing requests', () => {
  let api: Api;
  before(async () => (api = await startApi()));
  after(() => api.close());

  it('a page of another origin cannot change anything, even with a token; this server\'s own pages and non-browser clients can', async () => {
    const host = new URL(api.url).host;
    const evil = await send(api, 'POST', '/api/v1/experiments', { origin: 'http://evil.example' }, { name: 'from-evil' });
    assert.equal(evil.status, 403);
    assert.match(JSON.parse(evil.text).error.message, /cross-origin POST refused/);
    assert.equal((await send(api, 'POST', '/api/v1/experiments', { origin: 'null' }, { name: 'from-null' })).status, 403);
    // another port of the same host is another origin
    assert.equal((await send(api, 'DELETE', '/api/v1/tokens/x', { origin: `http://127.0.0.1:1` })).status, 403);
    assert.equal((await send(api, 'POST', '/api/v1/experiments', { origin: `http://${host}` }, { name: 'own-page' })).status, 201);
    assert.equal((await send(api, 'POST', '/api/v1/experiments', {}, { name: 'cli' })).status, 201);
    // reading is not refused (a page of another origin cannot read the answer anyway)
    assert.equal((await send(api, 'GET', '/api/v1/experiments', { origin: 'http://evil.example' })).status, 200);
    const names = JSON.parse((await send(api, 'GET', '/api/v1/experiments', {})).text).items.map((e: { name: string }) => e.name);
    assert.ok(!names.includes('from-evil') && names.includes('own-page'));
  });

  it('compares the host and port, case-insensitively, and refuses what is not a URL', () => {
    assert.equal(sameOrigin(undefined, 'a:1'), true);
    assert.equal(sameOrigin('https://Capstan.Example:8443', 'capstan.example:8443'), true);
    assert.equal(sameOrigin('https://capstan.example', 'capstan.example:8443'), false);
    assert.equal(sameOrigin('null', 'a'), false);
    assert.equal(sameOrigin('http://a', undefined), false);
  });
});
