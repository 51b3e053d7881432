import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parsePythonJson } from '../../src/core/json.ts';
import { startApi, type Api } from './harness.ts';

const M = '/api/2.0/mlflow';

describe('MLflow REST compatibility', () => {
  let api: Api;
  let runId: string;
  const post = async (path: string, body: string | object) => {
    const res = await api.call('POST', M + path, typeof body === 'string' ? body : JSON.stringify(body));
    return { status: res.status, body: parsePythonJson(await res.text()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const get = async (path: string) => {
    const res = await api.call('GET', M + path);
    return { status: res.status, text: await res.text() };
  };
  before(async () => {
    api = await startApi();
    const exp = await post('/experiments/create', { name: 'mlflow-exp', tags: [{ key: 'team', value: 'risk' }] });
    assert.equal(exp.status, 200);
    const run = await post('/runs/create', { experiment_id: exp.body.experiment_id, run_name: 'first', start_time: 1700000000000, tags: [{ key: 'mlflow.user', value: 'ann' }] });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    runId = run.body.run.info.run_id;
  });
  after(() => api.close());

  it('NaN, +Infinity, -Infinity and 1e308 round-trip exactly as bare tokens (log-metric and log-batch)', async () => {
    // what Python's json.dumps writes
    assert.equal((await post('/runs/log-metric', `{"run_id": "${runId}", "key": "m_nan", "value": NaN, "timestamp": 1, "step": 0}`)).status, 200);
    const batch = `{"run_id": "${runId}", "metrics": [{"key": "m_inf", "value": Infinity, "timestamp": 1, "step": 0}, {"key": "m_ninf", "value": -Infinity, "timestamp": 1, "step": 0}, {"key": "m_big", "value": 1e308, "timestamp": 1, "step": 0}, {"key": "m_tiny", "value": 5e-324, "timestamp": 1, "step": 0}], "params": [{"key": "learner", "value": "gbdt"}], "tags": [{"key": "note", "value": "NaN Infinity in a string stays a string"}]}`;
    assert.equal((await post('/runs/log-batch', batch)).status, 200);
    const h = await get(`/metrics/get-history?run_id=${runId}&metric_key=m_nan`);
    assert.match(h.text, /"value":NaN/);
    const run = await get(`/runs/get?run_id=${runId}`);
    const parsed = parsePythonJson(run.text) as { run: { data: { metrics: { key: string; value: number }[]; tags: { key: string; value: string }[] } } };
    const byKey = Object.fromEntries(parsed.run.data.metrics.map((m) => [m.key, m.value]));
    assert.ok(Number.isNaN(byKey.m_nan));
    assert.equal(byKey.m_inf, Infinity);
    assert.equal(byKey.m_ninf, -Infinity);
    assert.equal(byKey.m_big, 1e308);
    assert.equal(byKey.m_tiny, 5e-324);
    assert.match(run.text, /"value":-Infinity/);
    assert.equal(parsed.run.data.tags.find((t) => t.key === 'note')?.value, 'NaN Infinity in a string stays a string');
  });

  it('runs/get gives each metric its latest value\'s own timestamp and step, as get-history does (not the run\'s start)', async () => {
    const exp = await post('/experiments/create', { name: 'timestamps' });
    const r = await post('/runs/create', { experiment_id: exp.body.experiment_id, run_name: 'timed', start_time: 1796290594371 });
    const id = r.body.run.info.run_id as string;
    const points = [{ key: 'loss', value: 0.9, timestamp: 1, step: 0 }, { key: 'loss', value: 0.5, timestamp: 7, step: 3 }, { key: 'loss', value: 0.7, timestamp: 9, step: 2 }, { key: 'acc', value: 0.8, timestamp: 42, step: 5 }];
    assert.equal((await post('/runs/log-batch', { run_id: id, metrics: points })).status, 200);
    const run = parsePythonJson((await get(`/runs/get?run_id=${id}`)).text) as { run: { data: { metrics: { key: string; value: number; timestamp: number; step: number }[] } } };
    const byKey = Object.fromEntries(run.run.data.metrics.map((m) => [m.key, m]));
    assert.deepEqual(byKey.loss, { key: 'loss', value: 0.5, timestamp: 7, step: 3 }, 'the highest step wins, with its own timestamp');
    assert.deepEqual(byKey.acc, { key: 'acc', value: 0.8, timestamp: 42, step: 5 });
    const found = await post('/runs/search', { experiment_ids: [exp.body.experiment_id] });
    const m = found.body.runs[0]?.data.metrics.find((x: { key: string }) => x.key === 'acc');
    assert.deepEqual(m, { key: 'acc', value: 0.8, timestamp: 42, step: 5 }, JSON.stringify(found.body));
    const history = parsePythonJson((await get(`/metrics/get-history?run_id=${id}&metric_key=acc`)).text) as { metrics: unknown[] };
    assert.deepEqual(history.metrics, [{ key: 'acc', value: 0.8, timestamp: 42, step: 5 }]);
  });

  it('log-batch with one bad item stores nothing', async () => {
    const before = await get(`/runs/get?run_id=${runId}`);
    const res = await post('/runs/log-batch', { run_id: runId, metrics: [{ key: 'fresh', value: 1, timestamp: 1, step: 0 }, { key: 'fresh2', value: 'oops', timestamp: 1, step: 0 }], params: [{ key: 'p_new', value: 'x' }] });
    assert.equal(res.status, 400);
    assert.equal(res.body.error_code, 'INVALID_PARAMETER_VALUE');
    const res2 = await post('/runs/log-batch', { run_id: runId, metrics: [{ key: 'fresh', value: 1, timestamp: 1, step: 0 }], params: [{ key: 'learner', value: 'forest' }] });
    assert.equal(res2.status, 400, 'changing a logged param is refused');
    assert.equal((await get(`/runs/get?run_id=${runId}`)).text, before.text);
  });

  it('experiments get / get-by-name / search; runs update / search / delete with MLflow shapes', async () => {
    const byName = parsePythonJson((await get('/experiments/get-by-name?experiment_name=mlflow-exp')).text) as { experiment: { experiment_id: string; lifecycle_stage: string; tags: unknown[] } };
    assert.deepEqual([byName.experiment.lifecycle_stage, byName.experiment.tags], ['active', [{ key: 'team', value: 'risk' }]]);
    const missing = await get('/experiments/get-by-name?experiment_name=nope');
    assert.equal(missing.status, 404);
    assert.equal((parsePythonJson(missing.text) as { error_code: string }).error_code, 'RESOURCE_DOES_NOT_EXIST');
    const search = await post('/experiments/search', { max_results: 10 });
    assert.ok(search.body.experiments.some((e: { name: string }) => e.name === 'mlflow-exp'));
    const upd = await post('/runs/update', { run_id: runId, status: 'FINISHED', end_time: 1700000005000 });
    assert.deepEqual([upd.body.run_info.status, upd.body.run_info.end_time], ['FINISHED', 1700000005000]);
    const found = await post('/runs/search', { experiment_ids: [byName.experiment.experiment_id], filter: "params.learner = 'gbdt' and metrics.m_big > 1e300", max_results: 5 });
    assert.deepEqual(found.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id), [runId]);
    const bad = await post('/runs/search', { experiment_ids: [byName.experiment.experiment_id], filter: "params.learner = 'x' OR 1=1" });
    assert.equal(bad.status, 400);
    const other = await post('/runs/create', { experiment_id: byName.experiment.experiment_id, run_name: 'second' });
    assert.equal((await post('/runs/delete', { run_id: other.body.run.info.run_id })).status, 200);
    const active = await post('/runs/search', { experiment_ids: [byName.experiment.experiment_id] });
    assert.equal(active.body.runs.length, 1);
    const deleted = await post('/runs/search', { experiment_ids: [byName.experiment.experiment_id], run_view_type: 'DELETED_ONLY' });
    assert.equal(deleted.body.runs.length, 1);
  });

  it('registry: registered models, model versions, aliases', async () => {
    const created = await post('/registered-models/create', { name: 'churn', description: 'telco churn', tags: [{ key: 'team', value: 'risk' }] });
    assert.equal(created.body.registered_model.name, 'churn');
    assert.equal((await post('/registered-models/create', { name: 'churn' })).body.error_code, 'RESOURCE_ALREADY_EXISTS');
    // a version's source is what the run logged (log_model puts the files under an artifact path)
    const run = parsePythonJson((await get(`/runs/get?run_id=${runId}`)).text) as { run: { info: { experiment_id: string } } };
    const put = await api.call('PUT', `/api/2.0/mlflow-artifacts/artifacts/${run.run.info.experiment_id}/${runId}/artifacts/model/MLmodel`, 'flavors: {}\n');
    assert.equal(put.status, 200);
    const v = await post('/model-versions/create', { name: 'churn', source: `runs:/${runId}/model`, run_id: runId });
    assert.deepEqual([v.body.model_version.version, v.body.model_version.status, v.body.model_version.current_stage], ['1', 'READY', 'None'], JSON.stringify(v.body));
    for (const [source, re] of [
      [`runs:/${runId}/nothing-here`, /has logged no artifacts under "nothing-here"/],
      ['s3://elsewhere/model', /outside this server's artifact store/],
      ['/etc/capstan', /outside this server's artifact store/],
      ['models/never-written', /holds no readable Capstan model bundle/],
    ] as const) {
      const bad = await post('/model-versions/create', { name: 'churn', source });
      assert.equal(bad.status, 400, source);
      assert.match(bad.body.message, re);
    }
    assert.equal((await post('/registered-models/alias', { name: 'churn', alias: 'staging', version: '1' })).status, 200);
    const alias = parsePythonJson((await get('/registered-models/alias?name=churn&alias=staging')).text) as { model_version: { version: string; aliases: string[] } };
    assert.deepEqual([alias.model_version.version, alias.model_version.aliases], ['1', ['staging']]);
    const got = parsePythonJson((await get('/registered-models/get?name=churn')).text) as { registered_model: { latest_versions: unknown[]; aliases: unknown[] } };
    assert.deepEqual(got.registered_model.aliases, [{ alias: 'staging', version: '1' }]);
    const s = parsePythonJson((await get(`/model-versions/search?filter=${encodeURIComponent("name='churn'")}`)).text) as { model_versions: unknown[] };
    assert.equal(s.model_versions.length, 1);
    const ms = parsePythonJson((await get(`/registered-models/search?filter=${encodeURIComponent("name LIKE 'ch%'")}`)).text) as { registered_models: { name: string }[] };
    assert.deepEqual(ms.registered_models.map((m) => m.name), ['churn']);
    const del = await api.call('DELETE', `${M}/registered-models/alias`, { name: 'churn', alias: 'staging' });
    assert.equal(del.status, 200);
    assert.equal((await get('/registered-models/alias?name=churn&alias=staging')).status, 404);
    assert.equal((await post('/registered-models/alias', { name: 'churn', alias: 'production', version: '1' })).body.error_code, 'PERMISSION_DENIED');
  });

  it('the default experiment "0", and log_artifact through the mlflow-artifacts proxy', async () => {
    const run = await post('/runs/create', { experiment_id: '0', run_name: 'no experiment set' });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    const info = run.body.run.info as { run_id: string; experiment_id: string; artifact_uri: string };
    assert.equal(info.artifact_uri, `mlflow-artifacts:/${info.experiment_id}/${info.run_id}/artifacts`);
    const path = `/api/2.0/mlflow-artifacts/artifacts/${info.experiment_id}/${info.run_id}/artifacts/model/MLmodel`;
    assert.equal((await api.call('PUT', path, 'flavors: {}')).status, 200);
    const back = await api.call('GET', path);
    assert.equal(await back.text(), 'flavors: {}');
    assert.equal((await post('/runs/search', { experiment_ids: ['0'] })).body.runs.length, 1);
  });

  it('filter-language injection attempts answer 400 on the Capstan API too, never 500', async () => {
    for (const filter of ["' OR 1=1", '; DROP TABLE runs', "params.a = 'x", Array.from({ length: 10_000 }, (_, i) => `metrics.m${i} > 0`).join(' and '), 'metrics.a > 1 and', "tags.`x = 'y'", '\u0000']) {
      const res = await api.call('POST', '/api/v1/runs/search', { filter });
      assert.equal(res.status, 400, filter.slice(0, 40));
      const body = (await res.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'INVALID_ARGUMENT');
    }
  });
});
