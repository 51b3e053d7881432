import type { Static, TSchema } from '@sinclair/typebox';
import { createHash } from 'node:crypto';
import { invalid } from '../../core/errors.ts';
import { checkId, checkKey, checkName, checkPath } from '../../core/names.ts';
import { mlflow, type BodyOf, type Contract, type QueryOf } from '../../api/index.ts';
import { registerStoredBundle } from '../../registry/index.ts';
import type { Experiment, ModelVersion, RegisteredModel, Run, RunStatus, Stores } from '../../store/index.ts';
import { allPages, RUN_STATUSES } from '../../store/index.ts';
import type { ApiRequest, Router, TypedHandler } from '../router.ts';
import { batchOf } from './api/runs.ts';
import { actor, principal } from './api/fields.ts';

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
function tagsOf(v: { key: string; value: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((v ?? []).map((t) => [t.key, t.value]));
}

/** An int64 field (a number or a decimal string) at least `min`. */
function int64(field: string, v: number | string | undefined, min = 0): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw invalid(`${field} must be an integer >= ${min}`);
  return n;
}

/** MLflow page tokens are our cursors; max_results defaults as in MLflow. */
function pageArgs(o: { max_results?: number | string; page_token?: string }, defaultMax: number) {
  return { limit: Math.min(int64('max_results', o.max_results, 1) ?? defaultMax, 1000), cursor: o.page_token ?? null };
}

function runIdOf(o: { run_id?: string; run_uuid?: string }): string {
  return checkId('run_id', o.run_id ?? o.run_uuid);
}

function statusOf(v: string): RunStatus {
  if (!(RUN_STATUSES as readonly string[]).includes(v)) throw invalid(`status must be one of ${RUN_STATUSES.join(', ')}`);
  return v as RunStatus;
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
  // MLflow's default experiment has id "0"; ours is the experiment named Default
  const experimentId = async (v: unknown): Promise<string> => (v === '0' || v === 0 ? (await store.experiments.ensure('Default')).id : checkId('experiment_id', v));
  /** An MLflow route's fields (the query of a GET, the body otherwise) to its answer, always 200. */
  type In<C extends Contract> = C['method'] extends 'GET' ? QueryOf<C> : BodyOf<C>;
  const on = <C extends Contract & { responses: { 200: TSchema } }>(c: C, fn: (o: In<C>, req: ApiRequest) => Promise<Static<C['responses'][200]>>) =>
    router.on(c, (async (req: ApiRequest) => ({ status: 200, body: await fn((c.method === 'GET' ? req.q : req.body) as In<C>, req) })) as unknown as TypedHandler<C>);

  on(mlflow.createExperiment, async (o) => {
    const e = await store.experiments.create({ name: o.name, artifactLocation: o.artifact_location, tags: tagsOf(o.tags) });
    return { experiment_id: e.id };
  });
  on(mlflow.getExperiment, async (o) => ({ experiment: mlflowExperiment(await store.experiments.get(await experimentId(o.experiment_id))) }));
  on(mlflow.getExperimentByName, async (o) => ({ experiment: mlflowExperiment(await store.experiments.getByName(checkName('experiment_name', o.experiment_name))) }));
  const searchExperiments = async (o: { view_type?: string; max_results?: number | string; page_token?: string }) => {
    const view = o.view_type ?? 'ACTIVE_ONLY';
    const page = await store.experiments.list({ ...pageArgs(o, 1000), includeDeleted: view !== 'ACTIVE_ONLY' });
    return { experiments: page.items.map(mlflowExperiment), ...(page.nextCursor ? { next_page_token: page.nextCursor } : {}) };
  };
  on(mlflow.searchExperiments, searchExperiments);
  on(mlflow.searchExperimentsGet, searchExperiments);
  on(mlflow.setExperimentTag, async (o) => {
    await store.experiments.setTag(await experimentId(o.experiment_id), o.key, o.value);
    return {};
  });

  // the run's user is the token's principal, whatever user_id the body claims (MLflow clients send the OS user name)
  on(mlflow.createRun, async (o, req) => {
    const tags = tagsOf(o.tags);
    const name = o.run_name ?? tags['mlflow.runName'] ?? '';
    delete tags['mlflow.runName'];
    const run = await store.runs.create({ experimentId: o.experiment_id === undefined ? undefined : await experimentId(o.experiment_id), experiment: 'Default', name, userId: actor(req), startTime: int64('start_time', o.start_time), tags });
    return { run: mlflowRun(run) };
  });
  on(mlflow.updateRun, async (o) => {
    const patch: { status?: RunStatus; endTime?: number; name?: string } = {};
    if (o.status !== undefined) patch.status = statusOf(o.status);
    if (o.end_time !== undefined) patch.endTime = int64('end_time', o.end_time);
    if (o.run_name !== undefined) patch.name = o.run_name;
    const run = await store.runs.update(runIdOf(o), patch);
    return { run_info: mlflowRun(run).info };
  });
  on(mlflow.getRun, async (o) => ({ run: mlflowRun(await store.runs.get(runIdOf(o))) }));
  on(mlflow.deleteRun, async (o) => {
    await store.runs.delete(runIdOf(o));
    return {};
  });
  on(mlflow.searchRuns, async (o) => {
    const view = o.run_view_type ?? 'ACTIVE_ONLY';
    const experimentIds = o.experiment_ids === undefined ? undefined : await Promise.all(o.experiment_ids.map(experimentId));
    const page = await store.runs.search({ experimentIds, filter: o.filter, orderBy: o.order_by, includeDeleted: view !== 'ACTIVE_ONLY', ...pageArgs(o, 1000) });
    const runs = view === 'DELETED_ONLY' ? page.items.filter((r) => r.lifecycle === 'deleted') : page.items;
    return { runs: runs.map((r) => mlflowRun(r)), ...(page.nextCursor ? { next_page_token: page.nextCursor } : {}) };
  });
  on(mlflow.logMetric, async (o) => {
    await store.runs.logBatch(runIdOf(o), batchOf({ metrics: [{ key: o.key, value: o.value, timestamp: o.timestamp, step: o.step }] }));
    return {};
  });
  on(mlflow.logParameter, async (o) => {
    await store.runs.logBatch(runIdOf(o), { params: [{ key: o.key, value: o.value }] });
    return {};
  });
  on(mlflow.setTag, async (o) => {
    await store.runs.logBatch(runIdOf(o), { tags: [{ key: o.key, value: o.value }] });
    return {};
  });
  on(mlflow.deleteTag, async (o) => {
    await store.runs.deleteTag(runIdOf(o), o.key);
    return {};
  });
  on(mlflow.logBatch, async (o) => {
    await store.runs.logBatch(runIdOf(o), batchOf(o));
    return {};
  });
  on(mlflow.metricHistory, async (o) => ({ metrics: await store.runs.metricHistory(runIdOf(o), checkKey('metric_key', o.metric_key)) }));

  on(mlflow.createModel, async (o, req) => {
    const m = await store.models.createModel({ name: o.name, description: o.description, tags: tagsOf(o.tags), actor: actor(req) });
    return { registered_model: mlflowModel(m, null) };
  });
  const latest = async (m: RegisteredModel) => (m.latestVersion > 0 ? await store.models.getVersion(m.name, m.latestVersion) : null);
  on(mlflow.getModel, async (o) => {
    const m = await store.models.getModel(checkName('name', o.name));
    return { registered_model: mlflowModel(m, await latest(m)) };
  });
  on(mlflow.searchModels, async (o) => {
    const f = registryFilter(o.filter);
    if (f.runId) throw invalid('registered-models/search filters by name only');
    const page = await store.models.listModels({ ...pageArgs(o, 100), ...(f.name !== undefined ? { nameLike: f.name } : f.like !== undefined ? { nameLike: f.like } : {}) });
    const models = page.items.filter((m) => f.name === undefined || m.name === f.name);
    return { registered_models: await Promise.all(models.map(async (m) => mlflowModel(m, await latest(m)))), ...(page.nextCursor ? { next_page_token: page.nextCursor } : {}) };
  });
  // a version's source is something this server holds: a run's logged artifacts (runs:/RUN/PATH or the mlflow-artifacts
  // URI of a run), whose digest is computed here from what was logged, or a Capstan bundle in the artifact store
  on(mlflow.createVersion, async (o, req) => {
    const tags = tagsOf(o.tags);
    const name = checkName('name', o.name);
    const source = o.source;
    const runId = o.run_id ? checkId('run_id', o.run_id) : null;
    const description = o.description;
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
  on(mlflow.getVersion, async (o) => ({ model_version: mlflowVersion(await store.models.getVersion(checkName('name', o.name), int64('version', o.version, 1)!)) }));
  on(mlflow.searchVersions, async (o) => {
    const f = registryFilter(o.filter);
    if (f.name === undefined) throw invalid("model-versions/search needs filter name = 'MODEL'");
    const versions = await allPages((cursor) => store.models.listVersions(checkName('name', f.name), { cursor, limit: 1000 }));
    return { model_versions: versions.filter((v) => !f.runId || v.runId === f.runId).reverse().map(mlflowVersion) };
  });
  on(mlflow.setAlias, async (o, req) => {
    await store.models.setAlias(checkName('name', o.name), o.alias, int64('version', o.version, 1)!, principal(req));
    return {};
  });
  on(mlflow.deleteAlias, async (o, req) => {
    await store.models.deleteAlias(checkName('name', o.name), o.alias, principal(req));
    return {};
  });
  on(mlflow.getAlias, async (o) => ({ model_version: mlflowVersion(await store.models.resolveAlias(checkName('name', o.name), o.alias)) }));

  router.on(mlflow.putArtifact, async ({ params, raw }) => {
    await store.runs.get(params.runId);
    // a streamed body: always read by node's parser (the lean reader takes only JSON bodies)
    const blob = await artifacts.putBlob(raw!, { maxBytes: maxArtifactBytes });
    await store.runs.putArtifact({ runId: params.runId, path: params.path, digest: blob.digest, size: blob.size });
    return { status: 200, body: {} };
  });
  router.on(mlflow.getArtifact, async ({ params }) => {
    const entry = await store.runs.getArtifact(params.runId, params.path);
    const { stream, size } = await artifacts.openBlob(entry.digest);
    return { status: 200, stream, headers: { 'content-length': String(size) } };
  });
}
