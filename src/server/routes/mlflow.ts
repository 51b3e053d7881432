import { invalid } from '../../core/errors.ts';
import { checkId, checkKey, checkName, checkPath } from '../../core/names.ts';
import { createHash } from 'node:crypto';
import { registerStoredBundle } from '../../registry/index.ts';
import type { Experiment, ModelVersion, RegisteredModel, Run, RunStatus, Stores } from '../../store/index.ts';
import { allPages } from '../../store/index.ts';
import type { ApiRequest, Router, RouteOptions } from '../router.ts';
import { batchOf } from './api/runs.ts';
import { actor, bodyObject, optInt, optString, principal, queryObject, reqString } from './api/fields.ts';

/*
 * The subset of MLflow's REST API (/api/2.0/mlflow/) its Python client uses for tracking and the registry, with MLflow's request
 * and response shapes, so `MLFLOW_TRACKING_URI=http://127.0.0.1:7707` works. Bodies are Python-flavoured JSON (bare NaN and
 * Infinity). Unlike MLflow, log-batch is all-or-nothing.
 */

const kv = (o: Record<string, string>) => Object.entries(o).map(([key, value]) => ({ key, value }));

function mlflowExperiment(e: Experiment) {
  return { experiment_id: e.id, name: e.name, artifact_location: e.artifactLocation || `mlflow-artifacts:/${e.id}`, lifecycle_stage: e.lifecycle, creation_time: e.createdAt, last_update_time: e.updatedAt, tags: kv(e.tags) };
}

function mlflowRun(r: Run) {
  return {
    info: { run_id: r.id, run_uuid: r.id, run_name: r.name, experiment_id: r.experimentId, user_id: r.userId, status: r.status, start_time: r.startedAt, ...(r.endedAt !== null ? { end_time: r.endedAt } : {}), artifact_uri: `mlflow-artifacts:/${r.experimentId}/${r.id}/artifacts`, lifecycle_stage: r.lifecycle },
    data: {
      metrics: Object.entries(r.metrics).map(([key, value]) => ({ key, value, timestamp: r.metricTimes[key]?.timestamp ?? r.startedAt, step: r.metricTimes[key]?.step ?? 0 })),
      params: kv(r.params),
      tags: kv({ 'mlflow.runName': r.name, ...r.tags }),
    },
    inputs: { dataset_inputs: [] },
  };
}

function mlflowVersion(v: ModelVersion) {
  return {
    name: v.name, version: String(v.version), creation_timestamp: v.createdAt, last_updated_timestamp: v.createdAt, user_id: v.author, current_stage: 'None', description: v.description,
    source: v.source, ...(v.runId ? { run_id: v.runId } : {}), status: 'READY', tags: kv(v.tags), aliases: v.aliases,
  };
}

function mlflowModel(m: RegisteredModel, latest: ModelVersion | null) {
  return {
    name: m.name, creation_timestamp: m.createdAt, last_updated_timestamp: m.updatedAt, description: m.description,
    latest_versions: latest ? [mlflowVersion(latest)] : [], tags: kv(m.tags), aliases: Object.entries(m.aliases).map(([alias, version]) => ({ alias, version: String(version) })),
  };
}

/** MLflow's `[{key, value}]` tag lists as a record (the stores check keys and values). */
function tagsOf(v: unknown): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!Array.isArray(v) || v.some((t) => typeof t !== 'object' || t === null || Array.isArray(t))) throw invalid('tags must be an array of {key, value} objects');
  return Object.fromEntries(v.map((t: { key?: unknown; value?: unknown }) => [String(t.key), t.value as string]));
}

/** MLflow page tokens are our cursors; max_results defaults as in MLflow. */
function pageArgs(o: Record<string, unknown>, defaultMax: number) {
  return { limit: Math.min(optInt(o, 'max_results', 1) ?? defaultMax, 1000), cursor: optString(o, 'page_token') ?? null };
}

function runIdOf(o: Record<string, unknown>): string {
  return checkId('run_id', o.run_id ?? o.run_uuid);
}

function versionOf(o: Record<string, unknown>): number {
  const v = optInt(o, 'version', 1);
  if (v === undefined) throw invalid('version is required (a positive integer)');
  return v;
}

/** `name = 'x'`, `name LIKE 'x%'`, `run_id = 'id'`: the registry filters MLflow clients send. */
function registryFilter(filter: string | undefined): { name?: string; like?: string; runId?: string } {
  if (!filter || filter.trim() === '') return {};
  const m = /^\s*(name|run_id)\s*(=|LIKE|ILIKE)\s*'((?:[^']|'')*)'\s*$/i.exec(filter);
  if (!m) throw invalid("filter supports name = 'x', name LIKE 'x%' or run_id = 'id'");
  const value = m[3].replace(/''/g, "'");
  if (m[1].toLowerCase() === 'run_id') return { runId: value };
  return m[2] === '=' ? { name: value } : { like: value };
}

export function mlflowRoutes(router: Router, stores: Stores, maxArtifactBytes = 4 * 1024 ** 3): void {
  const store = stores.metadata;
  const artifacts = stores.artifacts;
  const P = '/api/2.0/mlflow';
  // MLflow's default experiment has id "0"; ours is the experiment named Default
  const experimentId = async (v: unknown): Promise<string> => (v === '0' || v === 0 ? (await store.experiments.ensure('Default')).id : checkId('experiment_id', v));
  const add = (method: string, path: string, role: 'viewer' | 'member', handler: (o: Record<string, unknown>, req: ApiRequest) => Promise<unknown>) => {
    const opts: RouteOptions = { role, errors: 'mlflow', json: 'python', tag: 'mlflow', summary: `MLflow ${path}` };
    router.add(method, P + path, async (req) => ({ status: 200, body: await handler(method === 'GET' ? queryObject(req) : { ...queryObject(req), ...bodyObject(req) }, req) }), opts);
  };

  add('POST', '/experiments/create', 'member', async (o) => {
    const e = await store.experiments.create({ name: reqString(o, 'name'), artifactLocation: optString(o, 'artifact_location'), tags: tagsOf(o.tags) });
    return { experiment_id: e.id };
  });
  add('GET', '/experiments/get', 'viewer', async (o) => ({ experiment: mlflowExperiment(await store.experiments.get(await experimentId(o.experiment_id))) }));
  add('GET', '/experiments/get-by-name', 'viewer', async (o) => ({ experiment: mlflowExperiment(await store.experiments.getByName(checkName('experiment_name', o.experiment_name))) }));
  const searchExperiments = async (o: Record<string, unknown>) => {
    const view = optString(o, 'view_type') ?? 'ACTIVE_ONLY';
    const page = await store.experiments.list({ ...pageArgs(o, 1000), includeDeleted: view !== 'ACTIVE_ONLY' });
    return { experiments: page.items.map(mlflowExperiment), ...(page.nextCursor ? { next_page_token: page.nextCursor } : {}) };
  };
  add('POST', '/experiments/search', 'viewer', searchExperiments);
  add('GET', '/experiments/search', 'viewer', searchExperiments);
  add('POST', '/experiments/set-experiment-tag', 'member', async (o) => {
    await store.experiments.setTag(await experimentId(o.experiment_id), reqString(o, 'key'), reqString(o, 'value'));
    return {};
  });

  // the run's user is the token's principal, whatever user_id the body claims (MLflow clients send the OS user name)
  add('POST', '/runs/create', 'member', async (o, req) => {
    const tags = tagsOf(o.tags);
    const name = optString(o, 'run_name') ?? tags['mlflow.runName'] ?? '';
    delete tags['mlflow.runName'];
    const run = await store.runs.create({ experimentId: o.experiment_id === undefined ? undefined : await experimentId(o.experiment_id), experiment: 'Default', name, userId: actor(req), startTime: optInt(o, 'start_time', 0), tags });
    return { run: mlflowRun(run) };
  });
  add('POST', '/runs/update', 'member', async (o) => {
    const patch: { status?: RunStatus; endTime?: number; name?: string } = {};
    if (o.status !== undefined) patch.status = reqString(o, 'status') as RunStatus;
    if (o.end_time !== undefined) patch.endTime = optInt(o, 'end_time', 0);
    if (o.run_name !== undefined) patch.name = optString(o, 'run_name');
    const run = await store.runs.update(runIdOf(o), patch);
    return { run_info: mlflowRun(run).info };
  });
  add('GET', '/runs/get', 'viewer', async (o) => ({ run: mlflowRun(await store.runs.get(runIdOf(o))) }));
  add('POST', '/runs/delete', 'member', async (o) => {
    await store.runs.delete(runIdOf(o));
    return {};
  });
  add('POST', '/runs/search', 'viewer', async (o) => {
    const ids = o.experiment_ids;
    if (ids !== undefined && (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string'))) throw invalid('experiment_ids must be an array of strings');
    const orderBy = o.order_by;
    if (orderBy !== undefined && (!Array.isArray(orderBy) || orderBy.some((x) => typeof x !== 'string'))) throw invalid('order_by must be an array of strings');
    const view = optString(o, 'run_view_type') ?? 'ACTIVE_ONLY';
    const experimentIds = ids === undefined ? undefined : await Promise.all((ids as string[]).map(experimentId));
    const page = await store.runs.search({ experimentIds, filter: optString(o, 'filter'), orderBy: orderBy as string[] | undefined, includeDeleted: view !== 'ACTIVE_ONLY', ...pageArgs(o, 1000) });
    const runs = view === 'DELETED_ONLY' ? page.items.filter((r) => r.lifecycle === 'deleted') : page.items;
    return { runs: runs.map((r) => mlflowRun(r)), ...(page.nextCursor ? { next_page_token: page.nextCursor } : {}) };
  });
  add('POST', '/runs/log-metric', 'member', async (o) => {
    await store.runs.logBatch(runIdOf(o), batchOf({ metrics: [{ key: o.key, value: o.value, timestamp: o.timestamp, step: o.step }] }));
    return {};
  });
  add('POST', '/runs/log-parameter', 'member', async (o) => {
    await store.runs.logBatch(runIdOf(o), { params: [{ key: o.key as string, value: o.value as string }] });
    return {};
  });
  add('POST', '/runs/set-tag', 'member', async (o) => {
    await store.runs.logBatch(runIdOf(o), { tags: [{ key: o.key as string, value: o.value as string }] });
    return {};
  });
  add('POST', '/runs/delete-tag', 'member', async (o) => {
    await store.runs.deleteTag(runIdOf(o), reqString(o, 'key'));
    return {};
  });
  add('POST', '/runs/log-batch', 'member', async (o) => {
    await store.runs.logBatch(runIdOf(o), batchOf(o));
    return {};
  });
  add('GET', '/metrics/get-history', 'viewer', async (o) => ({ metrics: await store.runs.metricHistory(runIdOf(o), checkKey('metric_key', o.metric_key)) }));

  add('POST', '/registered-models/create', 'member', async (o, req) => {
    const tags = tagsOf(o.tags);
    const m = await store.models.createModel({ name: reqString(o, 'name'), description: optString(o, 'description'), tags, actor: actor(req) });
    return { registered_model: mlflowModel(m, null) };
  });
  const latest = async (m: RegisteredModel) => (m.latestVersion > 0 ? await store.models.getVersion(m.name, m.latestVersion) : null);
  add('GET', '/registered-models/get', 'viewer', async (o) => {
    const m = await store.models.getModel(checkName('name', o.name));
    return { registered_model: mlflowModel(m, await latest(m)) };
  });
  add('GET', '/registered-models/search', 'viewer', async (o) => {
    const f = registryFilter(optString(o, 'filter'));
    if (f.runId) throw invalid('registered-models/search filters by name only');
    const page = await store.models.listModels({ ...pageArgs(o, 100), ...(f.name !== undefined ? { nameLike: f.name } : f.like !== undefined ? { nameLike: f.like } : {}) });
    const models = page.items.filter((m) => f.name === undefined || m.name === f.name);
    return { registered_models: await Promise.all(models.map(async (m) => mlflowModel(m, await latest(m)))), ...(page.nextCursor ? { next_page_token: page.nextCursor } : {}) };
  });
  // a version's source is something this server holds: a run's logged artifacts (runs:/RUN/PATH or the mlflow-artifacts
  // URI of a run), whose digest is computed here from what was logged, or a Capstan bundle in the artifact store
  add('POST', '/model-versions/create', 'member', async (o, req) => {
    const tags = tagsOf(o.tags);
    const name = checkName('name', o.name);
    const source = reqString(o, 'source');
    const runId = o.run_id ? checkId('run_id', o.run_id) : null;
    const description = optString(o, 'description');
    const logged = /^runs:\/([0-9a-f]{8,64})\/(.+)$/.exec(source) ?? /^mlflow-artifacts:\/[0-9a-f]{8,64}\/([0-9a-f]{8,64})\/artifacts\/(.+)$/.exec(source);
    if (logged) {
      const run = logged[1];
      const prefix = checkPath('source path', logged[2].replace(/\/+$/, ''));
      if (runId !== null && runId !== run) throw invalid(`source names run ${run}, but run_id is ${runId}`);
      const entries = (await store.runs.listArtifacts(run)).filter((a) => a.path === prefix || a.path.startsWith(`${prefix}/`));
      if (entries.length === 0) throw invalid(`source: run ${run} has logged no artifacts under "${prefix}"`);
      const digest = 'sha256:' + createHash('sha256').update(entries.map((a) => `${a.path}\t${a.digest}\n`).join('')).digest('hex');
      const v = await store.models.createVersion({ name, runId: run, source, digest, task: 'external', metrics: {}, description, tags, author: actor(req) });
      return { model_version: mlflowVersion(v) };
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(source) || source.startsWith('/')) throw invalid(`source "${source.slice(0, 200)}" is outside this server's artifact store: give runs:/RUN_ID/PATH of a run's logged artifacts, or a Capstan bundle's path in the store`);
    return { model_version: mlflowVersion(await registerStoredBundle(stores, { name, source, runId, description, tags, author: actor(req) })) };
  });
  add('GET', '/model-versions/get', 'viewer', async (o) => ({ model_version: mlflowVersion(await store.models.getVersion(checkName('name', o.name), versionOf(o))) }));
  add('GET', '/model-versions/search', 'viewer', async (o) => {
    const f = registryFilter(optString(o, 'filter'));
    if (f.name === undefined) throw invalid("model-versions/search needs filter name = 'MODEL'");
    const versions = await allPages((cursor) => store.models.listVersions(checkName('name', f.name), { cursor, limit: 1000 }));
    return { model_versions: versions.filter((v) => !f.runId || v.runId === f.runId).reverse().map(mlflowVersion) };
  });
  add('POST', '/registered-models/alias', 'member', async (o, req) => {
    await store.models.setAlias(checkName('name', o.name), reqString(o, 'alias'), versionOf(o), principal(req));
    return {};
  });
  add('DELETE', '/registered-models/alias', 'member', async (o, req) => {
    await store.models.deleteAlias(checkName('name', o.name), reqString(o, 'alias'), principal(req));
    return {};
  });
  add('GET', '/registered-models/alias', 'viewer', async (o) => ({ model_version: mlflowVersion(await store.models.resolveAlias(checkName('name', o.name), reqString(o, 'alias'))) }));

  {
    // the mlflow-artifacts proxy: where the MLflow client sends log_artifact for runs whose artifact_uri is mlflow-artifacts:/
    const A = '/api/2.0/mlflow-artifacts/artifacts/:experimentId/:runId/artifacts/*path';
    const opts = { errors: 'mlflow' as const, tag: 'mlflow' };
    router.add('PUT', A, async (req) => {
      await store.runs.get(req.params.runId);
      const blob = await artifacts.putBlob(req.raw, { maxBytes: maxArtifactBytes });
      await store.runs.putArtifact({ runId: req.params.runId, path: req.params.path, digest: blob.digest, size: blob.size });
      return { status: 200, body: {} };
    }, { ...opts, role: 'member', body: 'stream', summary: 'MLflow artifact upload (mlflow-artifacts proxy)' });
    router.add('GET', A, async (req) => {
      const entry = await store.runs.getArtifact(req.params.runId, req.params.path);
      const { stream, size } = await artifacts.openBlob(entry.digest);
      return { status: 200, stream, headers: { 'content-length': String(size) } };
    }, { ...opts, role: 'viewer', summary: 'MLflow artifact download (mlflow-artifacts proxy)' });
  }
}
