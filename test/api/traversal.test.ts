import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN, concrete, startApi, type Api } from './harness.ts';

/** At least 300 spellings of "leave the store": dot segments in every encoding, absolute paths, backslashes, #, ;, NUL, full-width dots. */
export function traversalCorpus(): string[] {
  const dots = ['..', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '%252e%252e', '%25252e%25252e', '%c0%ae%c0%ae', '%uff0e%uff0e', '%EF%BC%8E%EF%BC%8E', '．．', '%e0%80%ae%e0%80%ae', '..%00', '..%2500', '.%252e', '%2e%252e', '...', '....', '.', '%2e'];
  const tails = ['', '/..', '/../etc/passwd', '%2f..%2fetc%2fpasswd', '%5c..%5cwindows', '%255c..%255c', '/', '%2f', '%252f..', ';x', '%3b', '#x', '%23x', '%00', '%2500'];
  const out = new Set<string>();
  for (const d of dots) for (const t of tails) out.add(d + t);
  for (const a of ['/etc/passwd', '//etc/passwd', '%2fetc%2fpasswd', '%252fetc%252fpasswd', 'C:%5cWindows', 'C:%2fx', '%5c%5cserver%5cshare', '%5c..%5c', 'a%5cb', 'a%255cb', 'a%00b', 'a%2500b', 'a%0ab', 'a%0d%0ab', 'a%09b', 'a%7fb', 'a#b', 'a%23b', 'a;b', 'a%3bb', 'a%253bb', '%ef%bc%8e%ef%bc%8e%ef%bc%8f', 'a%e2%80%a8b', 'x%2f..%2f..%2fy', 'ok%2f%2e%2e', '%2e%2e%5c%2e%2e', 'file:%2f%2f%2fetc%2fpasswd', '%252e%252e%252f%252e%252e', '..%c0%af', '..%ef%bc%8f', '%e2%80%a4%e2%80%a4']) out.add(a);
  return [...out];
}

function rawGet(url: string, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path: path.replace(/[^\u0021-\u00ff]/g, (c) => encodeURIComponent(c)), headers: { authorization: `Bearer ${ADMIN}`, ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('path traversal corpus against every route parameter that names a path or an entity', () => {
  let api: Api;
  let root: string;
  const SECRET = 'canary-secret-7f3a9';
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'capstan-traversal-'));
    writeFileSync(join(root, 'passwd'), SECRET);
    mkdirSync(join(root, 'home'));
    api = await startApi(undefined, join(root, 'home'));
    // a real run and model, so handlers would find entities if a payload slipped through
    const run = (await (await api.call('POST', '/api/v1/runs', { experiment: 'e', name: 'r' })).json()) as { id: string };
    await api.call('PUT', `/api/v1/runs/${run.id}/artifacts/a.txt`, 'x');
  });
  after(() => api.close());

  it('holds at least 300 payloads', () => {
    assert.ok(traversalCorpus().length >= 300, String(traversalCorpus().length));
  });

  it('every payload in every path parameter answers 400; nothing outside the store is read or written', async () => {
    const corpus = traversalCorpus();
    let checked = 0;
    for (const r of api.router.routes) {
      const params = r.segments.filter((s) => /^[:*]/.test(s)).map((s) => s.slice(1));
      for (const p of params) {
        for (const payload of corpus) {
          const path = concrete(r.pattern, { [p]: payload });
          const res = await rawGet(api.url, r.method, path, r.method === 'GET' || r.method === 'DELETE' ? undefined : '{}');
          assert.equal(res.status, 400, `${r.method} ${path}: ${res.status} ${res.text.slice(0, 200)}`);
          assert.ok(!res.text.includes(SECRET));
          checked++;
        }
      }
    }
    assert.ok(checked > 10_000, `${checked} requests`);
    assert.deepEqual(readdirSync(root).sort(), ['home', 'passwd']);
    assert.equal(readFileSync(join(root, 'passwd'), 'utf8'), SECRET);
  });

  it('entity names in MLflow query strings and JSON bodies are refused with 400 too', async () => {
    const corpus = traversalCorpus().filter((p) => !p.includes('#'));
    const id = '0123456789abcdef';
    for (const payload of corpus) {
      for (const path of [`/api/2.0/mlflow/registered-models/get?name=${payload}`, `/api/2.0/mlflow/runs/get?run_id=${payload}`, `/api/2.0/mlflow/model-versions/get?name=${payload}&version=1`, `/api/2.0/mlflow/metrics/get-history?run_id=${id}&metric_key=${payload}`, `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${payload}`, `/api/2.0/mlflow/experiments/get?experiment_id=${payload}`]) {
        const res = await rawGet(api.url, 'GET', path);
        assert.equal(res.status, 400, `${path}: ${res.status} ${res.text.slice(0, 200)}`);
      }
      let decoded = payload;
      try {
        decoded = decodeURIComponent(payload);
      } catch {
        // an invalid UTF-8 escape: send it as it is
      }
      for (const [path, body] of [['/api/v1/models', { name: decoded }], ['/api/v1/experiments', { name: decoded }], ['/api/2.0/mlflow/registered-models/create', { name: decoded }], ['/api/v1/datasets', { name: decoded, contentHash: 'h', source: 's', rows: 1, columns: 1 }]] as const) {
        const res = await api.call('POST', path, body);
        assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}: ${res.status}`);
      }
    }
  });
});
