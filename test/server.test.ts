import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Server } from 'node:http';
import { loadModel } from '../src/registry/index.ts';
import { createApp, createAuthenticator, listen, RegistryModelProvider } from '../src/server/index.ts';
import { openStores, type Stores } from '../src/store/index.ts';
import { readTable } from '../src/data/index.ts';
import { predictTable } from '../src/learn/index.ts';
import { takeRows } from '../src/core/table.ts';
import { v2Body } from '../src/cli/commands/quickstart.ts';
import { cli, TELCO, tempHome } from './helpers.ts';

describe('HTTP server: KServe V2 routes on a real socket', () => {
  const home = tempHome();
  const token = 'test-token-0123456789abcdef';
  let stores: Stores;
  let server: Server;
  let url: string;
  const auth = { authorization: `Bearer ${token}` };

  before(async () => {
    const r = cli(['train', TELCO, '--target', 'churn', '--cv', '0', '--param', 'n_estimators=30', '--register', 'churn'], home);
    assert.equal(r.status, 0, r.stderr);
    stores = await openStores(home);
    ({ server } = createApp({ models: new RegistryModelProvider(stores), stores, authenticate: createAuthenticator(token, stores.metadata.tokens) }));
    url = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await stores.metadata.close();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = auth) =>
    fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('health routes answer without a token; model routes need one', async () => {
    assert.equal((await fetch(`${url}/v2/health/live`)).status, 200);
    assert.deepEqual(await (await fetch(`${url}/v2/health/ready`)).json(), { ready: true });
    assert.equal((await fetch(`${url}/v2/models/churn`)).status, 401);
    assert.equal((await fetch(`${url}/v2/models/churn`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await fetch(`${url}/api/v1/models`)).status, 401);
  });

  it('serves metadata with typed inputs', async () => {
    const meta = (await (await fetch(`${url}/v2/models/churn`, { headers: auth })).json()) as { inputs: { name: string; datatype: string }[]; versions: string[] };
    assert.deepEqual(meta.versions, ['1']);
    assert.equal(meta.inputs.find((i) => i.name === 'tenure')!.datatype, 'INT64');
    assert.equal(meta.inputs.find((i) => i.name === 'contract')!.datatype, 'BYTES');
    assert.equal(meta.inputs.find((i) => i.name === 'monthly_charges')!.datatype, 'FP64');
    assert.equal((await fetch(`${url}/v2/models/churn/ready`, { headers: auth })).status, 200);
    assert.equal((await fetch(`${url}/v2/models/churn/versions/1/ready`, { headers: auth })).status, 200);
  });

  it('infers exactly what the model predicts in-process', async () => {
    const loaded = await loadModel(stores, 'churn');
    const rows = takeRows(await readTable(TELCO), Array.from({ length: 50 }, (_, i) => i * 3));
    const res = await post('/v2/models/churn/infer', { id: 'req-1', ...v2Body(rows, loaded.manifest.signature.inputs, 0, 50) });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { id: string; model_version: string; outputs: { name: string; shape: number[]; data: unknown[] }[] };
    assert.equal(body.id, 'req-1');
    assert.equal(body.model_version, '1');
    const [label, proba] = body.outputs;
    assert.deepEqual(proba.shape, [50, 2]);
    const local = predictTable(loaded.model, rows);
    assert.deepEqual(proba.data, Array.from(local.proba!));
    assert.deepEqual(label.data, Array.from(local.classIndex!, (c) => ['No', 'Yes'][c]));
    const drift = (await (await fetch(`${url}/api/v1/models/churn/drift`, { headers: auth })).json()) as { rows: number };
    assert.ok(drift.rows >= 50);
  });

  it('a bare name follows the champion alias, else the latest version, resolved per request', async () => {
    const body = async () => {
      const loaded = await loadModel(stores, 'churn:1');
      const rows = takeRows(await readTable(TELCO), [0]);
      return v2Body(rows, loaded.manifest.signature.inputs, 0, 1);
    };
    const r = cli(['train', TELCO, '--target', 'churn', '--cv', '0', '--param', 'n_estimators=5', '--register', 'churn'], home);
    assert.equal(r.status, 0, r.stderr);
    const version = async () => ((await (await post('/v2/models/churn/infer', await body())).json()) as { model_version: string }).model_version;
    assert.equal(await version(), '2');
    await stores.metadata.models.setAlias('churn', 'champion', 1, 'test');
    assert.equal(await version(), '1');
    assert.equal(((await (await post('/v2/models/churn/versions/2/infer', await body())).json()) as { model_version: string }).model_version, '2');
  });

  it('answers malformed and mistyped requests with 400 naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      ['{"inputs": [', /not valid JSON/],
      [{ inputs: 'x' }, /"inputs" must be a non-empty array/],
      [{ inputs: [{ name: 'tenure', datatype: 'BYTES', shape: [1], data: ['a'] }] }, /input "tenure": datatype must be numeric/],
      [{ inputs: [{ name: 'tenure', datatype: 'INT64', shape: [1], data: [1] }] }, /missing inputs: female/],
    ];
    for (const [body, re] of cases) {
      const res = await post('/v2/models/churn/infer', body);
      assert.equal(res.status, 400);
      const json = (await res.json()) as { error: string };
      assert.match(json.error, re);
    }
  });

  it('404 for unknown models and versions, 405 for wrong methods, 413 for huge bodies', async () => {
    assert.equal((await post('/v2/models/ghost/infer', { inputs: [] })).status, 404);
    assert.equal((await fetch(`${url}/v2/models/churn/versions/7`, { headers: auth })).status, 404);
    assert.equal((await fetch(`${url}/v2/models/churn/infer`, { headers: auth })).status, 405);
    assert.equal((await fetch(`${url}/nope`)).status, 404);
    const big = await post('/v2/models/churn/infer', 'x'.repeat(17 * 1024 * 1024));
    assert.equal(big.status, 413);
  });
});
