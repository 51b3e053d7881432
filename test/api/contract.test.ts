import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { Validator } from '@seriousme/openapi-schema-validator';
import { parsePythonJson } from '../../src/core/json.ts';
import { numericColumn } from '../../src/core/table.ts';
import { inferFeatures } from '../../src/data/index.ts';
import { trainModel } from '../../src/learn/index.ts';
import { encodeBundle, putBundle } from '../../src/registry/index.ts';
import { rawSegments } from '../../src/server/http.ts';
import { ADMIN, startApi, type Api } from './harness.ts';

/*
 * The API's contract, checked from outside: every route of the server is called (successes and some refusals) and each
 * answer is validated against the schema its OpenAPI document declares for that status, with a JSON Schema validator that
 * knows nothing of how the document was made. A route never answered with a 2xx here fails the test, so a new route must
 * come with a call.
 */

type Op = { responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
type Doc = { openapi: string; paths: Record<string, Record<string, Op>>; components: { schemas: Record<string, unknown> } };

describe('the API contract', () => {
  let api: Api;
  let doc: Doc;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const compiled = new Map<string, ValidateFunction>();
  /** operations answered with a 2xx, as "METHOD /template" */
  const answered = new Set<string>();
  const checked: string[] = [];

  /** Call a route, validate the answer against its declaration, and return it (JSON parsed, Python-flavoured where MLflow's). */
  const call = async (method: string, path: string, body?: unknown, opts: { token?: string; raw?: string; status?: number } = {}) => {
    const res = await fetch(api.url + path, {
      method,
      headers: { authorization: `Bearer ${opts.token ?? ADMIN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: opts.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    const found = api.router.match(method, rawSegments(path.split('?')[0]));
    assert.ok(found && 'pattern' in found, `${method} ${path}: no route`);
    const template = found.pattern.replace(/[:*]([A-Za-z]+)/g, '{$1}');
    const op = doc.paths[template]?.[method.toLowerCase()];
    assert.ok(op, `${method} ${template} is not in the OpenAPI document`);
    const declared = op.responses[String(res.status)];
    assert.ok(declared, `${method} ${template} answered ${res.status}, a status it does not declare: ${text.slice(0, 300)}`);
    const type = Object.keys(declared.content ?? {})[0];
    if (type === 'application/json') {
      const key = `${method} ${template} ${res.status}`;
      let v = compiled.get(key);
      if (!v) compiled.set(key, (v = ajv.compile({ ...(declared.content![type].schema as object), components: doc.components })));
      const parsed = found.pattern.startsWith('/api/2.0/mlflow/') ? parsePythonJson(text) : JSON.parse(text);
      assert.ok(v(parsed), `${key}: the answer does not fit its schema: ${ajv.errorsText(v.errors)}\n${text.slice(0, 500)}`);
      checked.push(key);
      if (opts.status !== undefined) assert.equal(res.status, opts.status, `${method} ${path}: ${text.slice(0, 300)}`);
      if (res.status < 300) answered.add(`${method} ${template}`);
      return { status: res.status, body: parsed as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
    }
    if (type) assert.ok(res.headers.get('content-type')?.startsWith(type === 'text/plain' ? 'text/plain' : 'application/octet-stream'), `${method} ${template}: content-type ${res.headers.get('content-type')}`);
    else assert.equal(text, '', `${method} ${template} ${res.status} declares no content`);
    if (opts.status !== undefined) assert.equal(res.status, opts.status, `${method} ${path}: ${text.slice(0, 300)}`);
    if (res.status < 300) answered.add(`${method} ${template}`);
    return { status: res.status, body: text as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  before(async () => {
    api = await startApi();
    const res = await fetch(`${api.url}/api/v1/openapi.json`, { headers: { authorization: `Bearer ${ADMIN}` } });
    doc = (await res.json()) as Doc;
  });
  after(() => api?.close());

  it('the OpenAPI document is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    assert.ok(result.valid, JSON.stringify(result.errors, null, 1)?.slice(0, 3000));
    assert.equal(validator.version, '3.1');
    // and it is not a validator that accepts anything
    assert.equal((await new Validator().validate({ ...doc, paths: { '/x': { get: { responses: { 200: {} } } } } })).valid, false);
  });

  it('every route answers as its schema says, and every route was called', async () => {
    // tracking
    await call('GET', '/v2/health/live', undefined, { status: 200 });
    await call('GET', '/v2/health/ready', undefined, { status: 200 });
    await call('GET', '/v2', undefined, { status: 200 });
    await call('GET', '/api/v1/openapi.json', undefined, { status: 200 });
    const exp = (await call('POST', '/api/v1/experiments', { name: 'contract', tags: { team: 'risk' } }, { status: 201 })).body;
    await call('POST', '/api/v1/experiments', { name: 'contract' }, { status: 409 });
    await call('POST', '/api/v1/experiments', { name: 7 }, { status: 400 });
    await call('GET', '/api/v1/experiments?limit=5', undefined, { status: 200 });
    await call('GET', '/api/v1/experiments?name=contract', undefined, { status: 200 });
    await call('GET', `/api/v1/experiments/${exp.id}`, undefined, { status: 200 });
    await call('GET', '/api/v1/experiments/0123456789abcdef', undefined, { status: 404 });
    await call('PUT', `/api/v1/experiments/${exp.id}/tags/owner`, { value: 'ann' }, { status: 204 });
    const run = (await call('POST', '/api/v1/runs', { experimentId: exp.id, name: 'r1', tags: { k: 'v' } }, { status: 201 })).body;
    await call('POST', `/api/v1/runs/${run.id}/batch`, { metrics: [{ key: 'auc', value: 0.9, step: 1 }, { key: 'loss', value: 'NaN' }], params: [{ key: 'learner', value: 'gbdt' }], tags: [{ key: 't', value: 'x' }] }, { status: 204 });
    await call('POST', `/api/v1/runs/${run.id}/batch`, { metrics: [{ key: 'auc', value: 'high' }] }, { status: 400 });
    await call('GET', `/api/v1/runs/${run.id}`, undefined, { status: 200 });
    await call('PATCH', `/api/v1/runs/${run.id}`, { status: 'FINISHED', endTime: Date.now() }, { status: 200 });
    await call('PATCH', `/api/v1/runs/${run.id}`, { status: 'DONE' }, { status: 400 });
    await call('GET', `/api/v1/runs?experimentId=${exp.id}&filter=${encodeURIComponent('metrics.auc > 0.5')}&orderBy=${encodeURIComponent('metrics.auc DESC')}&limit=10`, undefined, { status: 200 });
    await call('POST', '/api/v1/runs/search', { experimentIds: [exp.id], filter: "params.learner = 'gbdt'" }, { status: 200 });
    await call('GET', `/api/v1/runs/${run.id}/metric-history?key=auc`, undefined, { status: 200 });
    await call('GET', `/api/v1/runs/${run.id}/metric-history`, undefined, { status: 400 });
    await call('DELETE', `/api/v1/runs/${run.id}/tags/t`, undefined, { status: 204 });
    await call('GET', `/api/v1/runs/${run.id}/steps`, undefined, { status: 200 });
    const ds = (await call('POST', '/api/v1/datasets', { name: 'telco', contentHash: 'sha256:ab', source: 'telco.csv', rows: 10, columns: 3, schema: { x: 'numeric' } }, { status: 201 })).body;
    await call('POST', `/api/v1/runs/${run.id}/datasets`, { datasetId: ds.id, role: 'train' }, { status: 204 });
    await call('GET', `/api/v1/runs/${run.id}/datasets`, undefined, { status: 200 });
    await call('GET', '/api/v1/datasets', undefined, { status: 200 });
    await call('GET', '/api/v1/datasets/telco', undefined, { status: 200 });
    await call('GET', '/api/v1/datasets/telco/versions/1', undefined, { status: 200 });
    const finding = { kind: 'out_of_range', severity: 'warning', column: 'x', message: 'column "x" has 1 value outside the range' };
    await call('POST', '/api/v1/datasets/telco/versions/1/validations', { errors: 0, warnings: 1, anomalies: [finding], drift: null, reference: null, runId: null }, { status: 201 });
    await call('GET', '/api/v1/datasets/telco/versions/1/validations?limit=5', undefined, { status: 200 });
    await call('PUT', `/api/v1/runs/${run.id}/artifacts/plots/roc.json`, undefined, { raw: '{"auc": 0.9}', status: 201 });
    await call('GET', `/api/v1/runs/${run.id}/artifacts`, undefined, { status: 200 });
    await call('GET', `/api/v1/runs/${run.id}/artifacts/plots/roc.json`, undefined, { status: 200 });

    // registry and governance
    const x = Float64Array.from({ length: 40 }, (_, i) => i);
    const table = { rows: 40, columns: [numericColumn('x', x)] };
    const model = await trainModel(table, Float64Array.from(x, (v) => (v >= 20 ? 1 : 0)), { name: 'y', task: 'binary', classes: ['no', 'yes'] }, inferFeatures(table), { learner: 'linear', params: {}, seed: 0 });
    await putBundle(api.stores.artifacts, 'models/churn/1', encodeBundle(model, { metrics: { auc: 0.9 }, training: null, lineage: {} }));
    await call('POST', '/api/v1/models', { name: 'churn', description: 'telco churn' }, { status: 201 });
    await call('GET', '/api/v1/models', undefined, { status: 200 });
    await call('GET', '/api/v1/models/churn', undefined, { status: 200 });
    await call('PUT', '/api/v1/models/churn/tags/team', { value: 'risk' }, { status: 204 });
    await call('POST', '/api/v1/models/churn/versions', { source: 'models/churn/1', runId: run.id }, { status: 201 });
    await call('POST', '/api/v1/models/churn/versions', { source: 'models/churn/1', task: 'binary' }, { status: 400 });
    await call('GET', '/api/v1/models/churn/versions?limit=10', undefined, { status: 200 });
    await call('GET', '/api/v1/models/churn/versions/1', undefined, { status: 200 });
    await call('PUT', '/api/v1/models/churn/versions/1/tags/stage', { value: 'test' }, { status: 204 });
    await call('PUT', '/api/v1/models/churn/policy', { selfApproval: true }, { status: 200 });
    await call('PUT', '/api/v1/models/churn/policy', { selfApproval: 'yes' }, { status: 400 });
    await call('POST', '/api/v1/models/churn/versions/1/approvals', { alias: 'champion', comment: 'ok' }, { status: 201 });
    await call('PUT', '/api/v1/models/churn/versions/1/card', { text: '# churn\n- intended use' }, { status: 200 });
    await call('GET', '/api/v1/models/churn/versions/1/card', undefined, { status: 200 });
    await call('GET', '/api/v1/models/churn/approvals', undefined, { status: 200 });
    await call('PUT', '/api/v1/models/churn/aliases/champion', { version: 1, reason: 'first' }, { status: 200 });
    await call('PUT', '/api/v1/models/churn/aliases/staging', { version: 1 }, { status: 200 });
    await call('GET', '/api/v1/models/churn/aliases/champion', undefined, { status: 200 });
    await call('DELETE', '/api/v1/models/churn/aliases/staging?reason=done', undefined, { status: 204 });
    await call('PUT', '/api/v1/models/churn/traffic', { routes: [{ alias: 'champion', weight: 100 }] }, { status: 200 });
    await call('PUT', '/api/v1/models/churn/traffic', { routes: [] }, { status: 400 });
    await call('GET', '/api/v1/models/churn/traffic', undefined, { status: 200 });
    await call('DELETE', '/api/v1/models/churn/traffic', undefined, { status: 204 });

    // serving
    await call('GET', '/v2/models/churn', undefined, { status: 200 });
    await call('GET', '/v2/models/churn/ready', undefined, { status: 200 });
    await call('GET', '/v2/models/churn/versions/1', undefined, { status: 200 });
    await call('GET', '/v2/models/churn/versions/1/ready', undefined, { status: 200 });
    const tensor = { name: 'x', datatype: 'FP64', shape: [2], data: [3, 30] };
    await call('POST', '/v2/models/churn/infer', { inputs: [tensor] }, { status: 200 });
    await call('POST', '/v2/models/churn/versions/1/infer', { id: 'r-1', inputs: [tensor] }, { status: 200 });
    await call('POST', '/v2/models/churn/infer', { inputs: [] }, { status: 400 });
    await call('GET', '/v2/models/nope', undefined, { status: 404 });
    const scored = (await call('POST', '/invocations?model=churn', { dataframe_split: { columns: ['x'], data: [[1], [35]] } }, { status: 200 })).body;
    await call('POST', '/invocations?model=churn', { dataframe_split: { columns: ['y'], data: [[1]] } }, { status: 400 });
    await call('GET', '/metrics', undefined, { status: 200 });
    await call('GET', '/api/v1/models/churn/drift', undefined, { status: 200 });
    // humility rules: checked against the version's bundle, only through their own route
    const rules = [{ name: 'unsure', when: { confidenceBelow: 0.6 }, action: 'flag' }];
    assert.deepEqual((await call('PUT', '/api/v1/models/churn/versions/1/humility', { rules }, { status: 200 })).body.rules, rules);
    await call('PUT', '/api/v1/models/churn/versions/1/humility', { rules: [{ name: 'm', when: { confidenceBelow: 0.6 }, action: 'majority' }] }, { status: 400 });
    await call('PUT', '/api/v1/models/churn/versions/1/humility', { rules: [{ name: 'r', when: { outsideRange: 'nope' }, action: 'flag' }] }, { status: 400 });
    await call('PUT', '/api/v1/models/churn/versions/1/tags/humility', { value: '[]' }, { status: 400 });
    assert.equal((await call('GET', '/api/v1/models/churn/versions/1/humility', undefined, { status: 200 })).body.rules.length, 1);
    await call('GET', '/api/v1/models/churn/versions/x/humility', undefined, { status: 400 });
    assert.deepEqual((await call('PUT', '/api/v1/models/churn/versions/1/humility', { rules: null }, { status: 200 })).body.rules, []);

    // monitoring, tokens, audit
    await call('POST', '/api/v1/predictions', { records: [{ id: 'p-1', model: 'churn', version: '1', at: Date.now(), latencyMs: 1.5, features: { columns: ['x'], rows: [[1]] }, outputs: { label: 'no' } }] }, { status: 204 });
    await call('POST', '/api/v1/predictions', { records: [] }, { status: 400 });
    await call('GET', '/api/v1/predictions?model=churn&since=0&limit=50', undefined, { status: 200 });
    await call('GET', '/api/v1/predictions/p-1', undefined, { status: 200 });
    assert.equal(typeof scored.prediction_id, 'string');
    await call('POST', '/api/v1/predictions', { records: [{ id: 'p-2', model: 'churn', version: '1', at: Date.now(), latencyMs: 1, features: { columns: ['x'], rows: [[30]] }, outputs: { predictions: ['yes'], probabilities: [[0.2, 0.8]], classes: ['no', 'yes'] } }] }, { status: 204 });
    const joined = (await call('POST', '/api/v1/actuals', { actuals: [{ id: 'p-2', value: 'yes' }, { id: 'p-404', value: 'no' }] }, { status: 200 })).body;
    assert.deepEqual(joined, { inserted: 1, duplicates: 0, unmatched: ['p-404'] });
    await call('POST', '/api/v1/actuals', { actuals: [{ id: 'p-2' }] }, { status: 400 });
    await call('GET', '/api/v1/lineage/prediction/p-2', undefined, { status: 200 });
    await call('GET', '/api/v1/lineage/prediction/p-404', undefined, { status: 404 });
    await call('POST', '/api/v1/replay', { model: 'churn', challenger: 'churn:1', since: 0 }, { status: 200 });
    await call('POST', '/api/v1/replay', { model: 'churn', challenger: 'churn:1' }, { status: 400 });
    const monitored = (await call('GET', '/api/v1/monitor/churn?window=1d', undefined, { status: 200 })).body;
    assert.equal(monitored.versions[0].total.accuracy.labelled, 1);
    await call('GET', '/api/v1/monitor/churn?window=90m', undefined, { status: 400 });
    await call('PUT', '/api/v1/policies/churn', { alerts: [{ name: 'quiet', figure: 'requests', below: 1000000 }] }, { status: 200 });
    await call('PUT', '/api/v1/policies/churn', { alerts: [{ name: 'acc', figure: 'nope', above: 1 }] }, { status: 400 });
    await call('PUT', '/api/v1/policies/churn', { model: 'other', alerts: [] }, { status: 400 });
    await call('GET', '/api/v1/policies/churn', undefined, { status: 200 });
    await call('GET', '/api/v1/policies/churn?version=9', undefined, { status: 404 });
    await call('GET', '/api/v1/policies', undefined, { status: 200 });
    await call('POST', '/api/v1/alerts/evaluate', undefined, { status: 200 });
    const alerts = (await call('GET', '/api/v1/alerts?model=churn', undefined, { status: 200 })).body;
    await call('POST', `/api/v1/alerts/${alerts.items[0]?.id ?? '0123456789abcdef'}/ack`, undefined, { status: 200 });
    await call('POST', '/api/v1/alerts/0123456789abcdef/ack', undefined, { status: 404 });
    await call('POST', '/api/v1/predictions/prune', { model: 'churn', maxRecords: 1000 }, { status: 200 });
    const tok = (await call('POST', '/api/v1/tokens', { name: 'viewer-1', role: 'viewer' }, { status: 201 })).body;
    await call('POST', '/api/v1/tokens', { name: 'viewer-2', role: 'owner' }, { status: 400 });
    await call('GET', '/api/v1/tokens', undefined, { status: 200 });
    await call('GET', '/api/v1/whoami', undefined, { token: tok.token, status: 200 });
    await call('POST', '/api/v1/models', { name: 'other' }, { token: tok.token, status: 403 });
    await call('GET', '/api/v1/whoami', undefined, { token: 'not-a-token', status: 401 });
    await call('DELETE', '/api/v1/tokens/viewer-1', undefined, { status: 204 });
    await call('GET', '/api/v1/audit?entity=churn&limit=20', undefined, { status: 200 });
    await call('DELETE', `/api/v1/runs/${run.id}`, undefined, { status: 204 });

    // pipelines
    const spec = { apiVersion: 'capstan.dev/v1', kind: 'Pipeline', name: 'contract', params: { v: { type: 'number', default: 1 } }, steps: [{ name: 'a', component: 'capstan/noop', inputs: { value: '${{ params.v }}' } }, { name: 'b', component: 'capstan/noop', inputs: { value: '${{ steps.a.outputs.value }}' } }] };
    await call('GET', '/api/v1/pipelines/components', undefined, { status: 200 });
    await call('POST', '/api/v1/pipelines/lint', { spec }, { status: 200 });
    const linted = (await call('POST', '/api/v1/pipelines/lint', { spec: { ...spec, steps: [{ name: 'a', component: 'capstan/none' }] } }, { status: 200 })).body;
    assert.match(linted.problems[0].message, /component "capstan\/none" is not one of/);
    await call('POST', '/api/v1/pipelines/lint', { spec: { ...spec, kind: 'Job' } }, { status: 400 });
    const started = (await call('POST', '/api/v1/pipelines/runs', { spec, params: { v: 7 } }, { status: 202 })).body;
    await call('POST', '/api/v1/pipelines/runs', { spec, params: { w: 7 } }, { status: 400 });
    let view: { status: string; steps: { status: string }[] };
    for (let i = 0; ; i++) {
      view = (await call('GET', `/api/v1/pipelines/runs/${started.runId}`, undefined, { status: 200 })).body;
      if (view.status !== 'RUNNING' || i > 100) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(view.status, 'FINISHED');
    assert.deepEqual(view.steps.map((s) => s.status), ['SUCCEEDED', 'SUCCEEDED']);
    await call('GET', `/api/v1/pipelines/runs/${started.runId}/steps/b/log`, undefined, { status: 200 });
    await call('GET', '/api/v1/pipelines/runs?pipeline=contract&limit=5', undefined, { status: 200 });
    await call('POST', `/api/v1/pipelines/runs/${started.runId}/cancel`, undefined, { status: 400 });
    const slow = { ...spec, name: 'slow', steps: [{ name: 'wait', command: ['sleep', '1'], outputs: {} }, { name: 'after', component: 'capstan/noop', inputs: { value: '${{ params.v }}' }, cache: false }] };
    const slowRun = (await call('POST', '/api/v1/pipelines/runs', { spec: slow }, { status: 202 })).body;
    await call('POST', `/api/v1/pipelines/runs/${slowRun.runId}/cancel`, undefined, { status: 202 });
    for (let i = 0; ; i++) {
      view = (await call('GET', `/api/v1/pipelines/runs/${slowRun.runId}`, undefined, { status: 200 })).body;
      if (view.status !== 'RUNNING' || i > 100) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(view.status, 'KILLED');
    await call('POST', `/api/v1/pipelines/runs/${slowRun.runId}/resume`, undefined, { status: 400 });
    // a failed run resumed: its failed step runs again (and fails again); the step that succeeded is kept
    const failing = { ...spec, name: 'failing', steps: [{ name: 'ok', component: 'capstan/noop', inputs: { value: 1 } }, { name: 'bad', command: ['sh', '-c', 'exit 3'], outputs: {} }] };
    const failedRun = (await call('POST', '/api/v1/pipelines/runs', { spec: failing }, { status: 202 })).body;
    for (let i = 0; ; i++) {
      view = (await call('GET', `/api/v1/pipelines/runs/${failedRun.runId}`, undefined, { status: 200 })).body;
      if (view.status !== 'RUNNING' || i > 100) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(view.status, 'FAILED');
    await call('POST', `/api/v1/pipelines/runs/${failedRun.runId}/resume`, undefined, { status: 202 });
    await call('POST', `/api/v1/pipelines/runs/${run.id}/resume`, undefined, { status: 400 });
    await call('PUT', '/api/v1/pipelines/schedules/nightly', { spec, cron: '0 3 * * *', params: { v: '2' } }, { status: 200 });
    await call('PUT', '/api/v1/pipelines/schedules/nightly', { spec, cron: 'every night' }, { status: 400 });
    await call('GET', '/api/v1/pipelines/schedules', undefined, { status: 200 });
    await call('GET', '/api/v1/pipelines/schedules/nightly', undefined, { status: 200 });
    await call('DELETE', '/api/v1/pipelines/schedules/nightly', undefined, { status: 204 });
    await call('GET', '/api/v1/pipelines/schedules/nightly', undefined, { status: 404 });
    await call('GET', `/api/v1/pipelines/runs/${run.id}`, undefined, { status: 404 });

    // MLflow
    const M = '/api/2.0/mlflow';
    const mexp = (await call('POST', `${M}/experiments/create`, { name: 'mlflow-contract', tags: [{ key: 'a', value: 'b' }] }, { status: 200 })).body;
    await call('GET', `${M}/experiments/get?experiment_id=${mexp.experiment_id}`, undefined, { status: 200 });
    await call('GET', `${M}/experiments/get-by-name?experiment_name=mlflow-contract`, undefined, { status: 200 });
    await call('GET', `${M}/experiments/get-by-name?experiment_name=nope`, undefined, { status: 404 });
    await call('POST', `${M}/experiments/search`, { max_results: 10 }, { status: 200 });
    await call('GET', `${M}/experiments/search?max_results=10`, undefined, { status: 200 });
    await call('POST', `${M}/experiments/set-experiment-tag`, { experiment_id: mexp.experiment_id, key: 'k', value: 'v' }, { status: 200 });
    const mrun = (await call('POST', `${M}/runs/create`, { experiment_id: mexp.experiment_id, run_name: 'm1', start_time: '1700000000000', tags: [{ key: 'mlflow.user', value: 'ann' }] }, { status: 200 })).body;
    const rid = mrun.run.info.run_id;
    await call('POST', `${M}/runs/log-metric`, undefined, { raw: `{"run_id": "${rid}", "key": "m", "value": NaN, "timestamp": 1, "step": 0}`, status: 200 });
    await call('POST', `${M}/runs/log-parameter`, { run_id: rid, key: 'p', value: '1' }, { status: 200 });
    await call('POST', `${M}/runs/set-tag`, { run_id: rid, key: 't', value: '1' }, { status: 200 });
    await call('POST', `${M}/runs/delete-tag`, { run_id: rid, key: 't' }, { status: 200 });
    await call('POST', `${M}/runs/log-batch`, undefined, { raw: `{"run_id": "${rid}", "metrics": [{"key": "inf", "value": Infinity, "timestamp": "2", "step": "1"}], "params": [{"key": "q", "value": "2"}]}`, status: 200 });
    await call('POST', `${M}/runs/log-batch`, { run_id: rid, metrics: [{ key: 'x', value: 'oops', timestamp: 1 }] }, { status: 400 });
    await call('GET', `${M}/runs/get?run_id=${rid}`, undefined, { status: 200 });
    await call('GET', `${M}/metrics/get-history?run_id=${rid}&metric_key=m`, undefined, { status: 200 });
    await call('POST', `${M}/runs/update`, { run_id: rid, status: 'FINISHED', end_time: 1700000005000 }, { status: 200 });
    await call('POST', `${M}/runs/search`, { experiment_ids: [mexp.experiment_id], filter: "params.p = '1'", max_results: 5 }, { status: 200 });
    await call('PUT', `/api/2.0/mlflow-artifacts/artifacts/${mexp.experiment_id}/${rid}/artifacts/model/MLmodel`, undefined, { raw: 'flavors: {}', status: 200 });
    await call('GET', `/api/2.0/mlflow-artifacts/artifacts/${mexp.experiment_id}/${rid}/artifacts/model/MLmodel`, undefined, { status: 200 });
    await call('POST', `${M}/registered-models/create`, { name: 'mchurn', description: 'd', tags: [{ key: 'team', value: 'risk' }] }, { status: 200 });
    await call('POST', `${M}/registered-models/create`, { name: 'mchurn' }, { status: 409 });
    await call('POST', `${M}/model-versions/create`, { name: 'mchurn', source: `runs:/${rid}/model`, run_id: rid }, { status: 200 });
    await call('GET', `${M}/registered-models/get?name=mchurn`, undefined, { status: 200 });
    await call('GET', `${M}/registered-models/search?filter=${encodeURIComponent("name LIKE 'mch%'")}`, undefined, { status: 200 });
    await call('GET', `${M}/model-versions/get?name=mchurn&version=1`, undefined, { status: 200 });
    await call('GET', `${M}/model-versions/search?filter=${encodeURIComponent("name='mchurn'")}`, undefined, { status: 200 });
    await call('POST', `${M}/registered-models/alias`, { name: 'mchurn', alias: 'staging', version: '1' }, { status: 200 });
    await call('GET', `${M}/registered-models/alias?name=mchurn&alias=staging`, undefined, { status: 200 });
    await call('DELETE', `${M}/registered-models/alias?name=mchurn&alias=staging`, undefined, { status: 200 });
    await call('POST', `${M}/runs/delete`, { run_id: rid }, { status: 200 });

    const all = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    assert.deepEqual(all.filter((o) => !answered.has(o)), [], 'routes never answered with a 2xx here');
    assert.ok(checked.length >= all.length);
  });
});
