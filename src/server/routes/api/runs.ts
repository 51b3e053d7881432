import { invalid } from '../../../core/errors.ts';
import { checkId } from '../../../core/names.ts';
import type { KeyValue, MetadataStore, MetricPoint, RunStatus } from '../../../store/index.ts';
import { metricValue } from '../../../core/json.ts';
import type { ApiRequest, Router } from '../../router.ts';
import { bodyObject, optInt, optString, pageOfQuery, queryObject, reqString, stringMap } from './fields.ts';

/** metrics / params / tags arrays of a batch body, values converted (NaN and infinities as strings or tokens). */
export function batchOf(b: Record<string, unknown>): { metrics: MetricPoint[]; params: KeyValue[]; tags: KeyValue[] } {
  const list = (field: string): Record<string, unknown>[] => {
    const v = b[field];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw invalid(`${field} must be an array`);
    return v.map((x, i) => {
      if (typeof x !== 'object' || x === null || Array.isArray(x)) throw invalid(`${field}[${i}] must be an object`);
      return x as Record<string, unknown>;
    });
  };
  const now = Date.now();
  return {
    metrics: list('metrics').map((m, i) => ({
      key: m.key as string,
      value: metricValue(`metrics[${i}].value`, m.value),
      step: optInt(m, `step`) ?? 0,
      timestamp: optInt(m, 'timestamp', 0) ?? now,
    })),
    params: list('params').map((p) => ({ key: p.key as string, value: p.value as string })),
    tags: list('tags').map((t) => ({ key: t.key as string, value: t.value as string })),
  };
}

function searchOf(o: Record<string, unknown>, req: ApiRequest) {
  const ids = o.experimentIds ?? o.experiment_ids;
  const orderBy = o.orderBy ?? o.order_by;
  if (ids !== undefined && (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string'))) throw invalid('experimentIds must be an array of strings');
  if (orderBy !== undefined && (!Array.isArray(orderBy) || orderBy.some((x) => typeof x !== 'string'))) throw invalid('orderBy must be an array of strings');
  return { experimentIds: ids as string[] | undefined, orderBy: orderBy as string[] | undefined, filter: optString(o, 'filter'), includeDeleted: o.includeDeleted === true, ...pageOfQuery(req), ...(o.limit !== undefined ? { limit: optInt(o, 'limit', 1) } : {}), ...(o.cursor !== undefined ? { cursor: optString(o, 'cursor') ?? null } : {}) };
}

export function runRoutes(router: Router, store: MetadataStore): void {
  const tag = 'runs';
  router.add('POST', '/api/v1/runs', async (req) => {
    const b = bodyObject(req);
    const run = await store.runs.create({
      experimentId: optString(b, 'experimentId'),
      experiment: optString(b, 'experiment'),
      name: optString(b, 'name') ?? '',
      userId: req.principal?.name ?? optString(b, 'userId'),
      startTime: optInt(b, 'startTime', 0),
      tags: stringMap(b.tags, 'tags'),
    });
    return { status: 201, body: run };
  }, { role: 'member', tag, summary: 'Start a run (in an experiment by id, or by name: created when missing)' });
  router.add('GET', '/api/v1/runs', async (req) => {
    const q = queryObject(req);
    return { status: 200, body: await store.runs.search(searchOf({ ...q, experimentIds: req.query.getAll('experimentId'), orderBy: req.query.getAll('orderBy'), includeDeleted: q.includeDeleted === 'true' }, req)) };
  }, { role: 'viewer', tag, summary: 'Search runs: ?filter=metrics.roc_auc > 0.8 and params.learner = \'gbdt\'&orderBy=metrics.roc_auc DESC&experimentId=...' });
  router.add('POST', '/api/v1/runs/search', async (req) => ({ status: 200, body: await store.runs.search(searchOf(bodyObject(req), req)) }), { role: 'viewer', tag, summary: 'Search runs with the filter in a JSON body' });
  router.add('GET', '/api/v1/runs/:runId', async (req) => ({ status: 200, body: await store.runs.get(req.params.runId) }), { role: 'viewer', tag, summary: 'Get a run with its params, latest metrics and tags' });
  router.add('PATCH', '/api/v1/runs/:runId', async (req) => {
    const b = bodyObject(req);
    const patch: { status?: RunStatus; endTime?: number; name?: string } = {};
    if (b.status !== undefined) patch.status = reqString(b, 'status') as RunStatus;
    if (b.endTime !== undefined) patch.endTime = optInt(b, 'endTime', 0);
    if (b.name !== undefined) patch.name = optString(b, 'name');
    return { status: 200, body: await store.runs.update(req.params.runId, patch) };
  }, { role: 'member', tag, summary: 'Update a run: status, end time, name' });
  router.add('DELETE', '/api/v1/runs/:runId', async (req) => {
    await store.runs.delete(req.params.runId);
    return { status: 204 };
  }, { role: 'member', tag, summary: 'Delete a run (soft: hidden from searches)' });
  router.add('POST', '/api/v1/runs/:runId/batch', async (req) => {
    await store.runs.logBatch(req.params.runId, batchOf(bodyObject(req)));
    return { status: 204 };
  }, { role: 'member', tag, summary: 'Log metrics, params and tags in one all-or-nothing write' });
  router.add('GET', '/api/v1/runs/:runId/metric-history', async (req) => {
    const key = req.query.get('key');
    if (!key) throw invalid('key is required (the metric name)');
    return { status: 200, body: { items: await store.runs.metricHistory(req.params.runId, key) } };
  }, { role: 'viewer', tag, summary: 'Every point of one metric (?key=)' });
  router.add('DELETE', '/api/v1/runs/:runId/tags/:key', async (req) => {
    await store.runs.deleteTag(req.params.runId, req.params.key);
    return { status: 204 };
  }, { role: 'member', tag, summary: 'Delete a run tag' });
  router.add('GET', '/api/v1/runs/:runId/steps', async (req) => ({ status: 200, body: { items: await store.runs.listSteps(req.params.runId) } }), { role: 'viewer', tag, summary: 'Pipeline steps of a run' });
  router.add('GET', '/api/v1/runs/:runId/datasets', async (req) => ({ status: 200, body: { items: (await store.runs.listDatasets(req.params.runId)).map(({ schema: _s, profile: _p, ...d }) => d) } }), { role: 'viewer', tag, summary: 'Dataset versions a run used (lineage)' });
  router.add('POST', '/api/v1/runs/:runId/datasets', async (req) => {
    const b = bodyObject(req);
    await store.runs.get(req.params.runId);
    await store.runs.linkDataset(req.params.runId, checkId('datasetId', b.datasetId), reqString(b, 'role'));
    return { status: 204 };
  }, { role: 'member', tag, summary: 'Record that a run used a dataset version (lineage)' });
}
