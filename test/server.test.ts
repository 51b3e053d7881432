import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Server } from 'node:http';
import { loadModel } from '../src/registry/index.ts';
import { createApp, createAuthenticator, listen, RegistryModelProvider } from '../src/server/index.ts';
import { openStores, type Stores } from '../src/store/index.ts';
import { readTable } from '../src/data/index.ts';
import { predictTable } from '../src/learn/index.ts';
import { cellValue, takeRows } from '../src/core/table.ts';
import { v2Body } from '../src/cli/commands/quickstart.ts';
import { approveChampion, cli, TELCO, tempHome } from './helpers.ts';

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
    await approveChampion(stores.metadata, 'churn', 1);
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
    const local = predictTable(loaded.model!, rows);
    assert.deepEqual(proba.data, Array.from(local.proba!));
    assert.deepEqual(label.data, Array.from(local.classIndex!, (c) => ['No', 'Yes'][c]));
    const drift = (await (await fetch(`${url}/api/v1/models/churn/drift`, { headers: auth })).json()) as { rows: number };
    assert.ok(drift.rows >= 50);
  });

  it('POST /invocations takes every MLflow scoring format and answers what the model predicts, with a prediction id', async () => {
    const loaded = await loadModel(stores, 'churn:1');
    const table = takeRows(await readTable(TELCO), [0, 5, 9]);
    const inputs = loaded.manifest.signature.inputs.map((f) => f.name);
    const cols = inputs.map((n) => table.columns.find((c) => c.name === n)!);
    const records = [0, 1, 2].map((r) => Object.fromEntries(cols.map((c) => [c.name, cellValue(c, r)])));
    const local = predictTable(loaded.model!, table);
    const expected = Array.from(local.classIndex!, (c) => ['No', 'Yes'][c]);
    const bodies = [
      { dataframe_records: records },
      { dataframe_split: { columns: inputs, data: records.map((r) => inputs.map((n) => r[n])), index: [0, 1, 2] } },
      { instances: records },
      { inputs: Object.fromEntries(inputs.map((n) => [n, records.map((r) => r[n])])) },
    ];
    for (const body of bodies) {
      const res = await post('/invocations?model=churn&version=1', body);
      assert.equal(res.status, 200, await res.clone().text());
      const json = (await res.json()) as { predictions: string[]; probabilities: number[][]; prediction_id: string };
      assert.deepEqual(json.predictions, expected);
      assert.deepEqual(json.probabilities.flat(), Array.from(local.proba!));
      assert.equal(res.headers.get('x-prediction-id'), json.prediction_id);
      assert.match(json.prediction_id, /^[0-9a-f]{28}$/);
    }
    const bad: [unknown, RegExp][] = [
      [{ dataframe_records: [{ ...records[0], zip: 1 }] }, /dataframe_records\[0\]: unknown column "zip"/],
      [{ dataframe_records: [{ tenure: 1 }] }, /dataframe_records\[0\]: missing columns female/],
      [{ dataframe_records: [{ ...records[0], tenure: 'long' }] }, /column "tenure": value 0 is not a number/],
      [{ dataframe_records: [{ ...records[0], contract: null }] }, /column "contract": value 0 is missing, but the model was trained without missing values in "contract"/],
      [{ dataframe_split: { columns: inputs, data: [[1, 2]] } }, /dataframe_split.data\[0\] must be an array of 19 values/],
      [{ records }, /exactly one of dataframe_split, dataframe_records, instances, inputs \(got "records"\)/],
      [{ dataframe_records: [] }, /dataframe_records has no rows/],
    ];
    for (const [body, re] of bad) {
      const res = await post('/invocations?model=churn', body);
      assert.equal(res.status, 400);
      const json = (await res.json()) as { error_code: string; message: string };
      assert.equal(json.error_code, 'INVALID_PARAMETER_VALUE');
      assert.match(json.message, re);
      // values are never echoed back
      assert.ok(!json.message.includes('long'));
    }
    assert.match(((await (await post('/invocations', bodies[0])).json()) as { message: string }).message, /name one with \?model=NAME/);
  });

  it('large batches are scored in a thread, off the event loop, with exactly the in-process answer', async () => {
    const loaded = await loadModel(stores, 'churn:1');
    const all = await readTable(TELCO);
    const rows = takeRows(all, Array.from({ length: 6000 }, (_, i) => i % all.rows));
    const res = await post('/v2/models/churn/versions/1/infer', v2Body(rows, loaded.manifest.signature.inputs, 0, 6000));
    assert.equal(res.status, 200);
    const body = (await res.json()) as { outputs: { name: string; data: unknown[] }[] };
    assert.deepEqual(body.outputs[1].data, Array.from(predictTable(loaded.model!, rows).proba!));
  });

  it('a bare name follows the champion alias (approved), resolved per request; without one, the latest only where champion is unprotected', async () => {
    const body = async () => {
      const loaded = await loadModel(stores, 'churn:1');
      const rows = takeRows(await readTable(TELCO), [0]);
      return v2Body(rows, loaded.manifest.signature.inputs, 0, 1);
    };
    const r = cli(['train', TELCO, '--target', 'churn', '--cv', '0', '--param', 'n_estimators=5', '--register', 'churn'], home);
    assert.equal(r.status, 0, r.stderr);
    const version = async () => ((await (await post('/v2/models/churn/infer', await body())).json()) as { model_version: string }).model_version;
    assert.equal(await version(), '1');
    await approveChampion(stores.metadata, 'churn', 2);
    assert.equal(await version(), '2');
    await stores.metadata.models.deleteAlias('churn', 'champion', { name: 'test', role: 'admin' });
    // no champion: a registration alone never puts a version in front of callers while champion is protected
    const none = await post('/v2/models/churn/infer', await body());
    assert.equal(none.status, 404);
    assert.match(((await none.json()) as { error: string }).error, /no champion to answer its bare name/);
    await stores.metadata.models.setPolicy('churn', { protectedAliases: ['production'] }, { name: 'test', role: 'admin' });
    await new Promise((r) => setTimeout(r, 1100)); // the policy is read at most once a second
    assert.equal(await version(), '2');
    await stores.metadata.models.setAlias('churn', 'champion', 1, { name: 'test', role: 'admin' });
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
    assert.equal((await fetch(`${url}/nope`, { headers: auth })).status, 404);
    assert.equal((await fetch(`${url}/nope`)).status, 401, 'the route table is not shown to anonymous callers');
    const big = await post('/v2/models/churn/infer', 'x'.repeat(17 * 1024 * 1024));
    assert.equal(big.status, 413);
  });
});
