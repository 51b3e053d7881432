import { checkId } from '../../../core/names.ts';
import { metricValue } from '../../../core/json.ts';
import { api, type BodyOf } from '../../../api/index.ts';
import type { KeyValue, MetadataStore, MetricPoint, RunSearch } from '../../../store/index.ts';
import type { Router } from '../../router.ts';
import { pageOf } from './fields.ts';

type Int64 = number | string;
/** A batch's metrics with their values converted (NaN and infinities as strings or tokens; MLflow's int64 as strings). */
export function batchOf(b: { metrics?: { key: string; value: number | string; step?: Int64; timestamp?: Int64 }[]; params?: KeyValue[]; tags?: KeyValue[] }): { metrics: MetricPoint[]; params: KeyValue[]; tags: KeyValue[] } {
  const now = Date.now();
  return {
    metrics: (b.metrics ?? []).map((m, i) => ({ key: m.key, value: metricValue(`metrics[${i}].value`, m.value), step: m.step === undefined ? 0 : Number(m.step), timestamp: m.timestamp === undefined ? now : Number(m.timestamp) })),
    params: b.params ?? [],
    tags: b.tags ?? [],
  };
}

function searchOf(o: BodyOf<typeof api.searchRuns>): RunSearch {
  return {
    experimentIds: o.experimentIds ?? o.experiment_ids,
    orderBy: o.orderBy ?? o.order_by,
    filter: o.filter,
    includeDeleted: o.includeDeleted === true,
    ...(o.limit !== undefined ? { limit: o.limit } : {}),
    ...(o.cursor !== undefined ? { cursor: o.cursor } : {}),
  };
}

export function runRoutes(router: Router, store: MetadataStore): void {
  router.on(api.createRun, async ({ body: b, principal }) => ({
    status: 201,
    body: await store.runs.create({ experimentId: b.experimentId, experiment: b.experiment, name: b.name ?? '', userId: principal?.name ?? b.userId, startTime: b.startTime, tags: b.tags }),
  }));
  router.on(api.listRuns, async ({ q }) => ({
    status: 200,
    body: await store.runs.search({ ...pageOf(q), filter: q.filter, experimentIds: q.experimentId, orderBy: q.orderBy, includeDeleted: q.includeDeleted === true }),
  }));
  router.on(api.searchRuns, async ({ body }) => ({ status: 200, body: await store.runs.search(searchOf(body)) }));
  router.on(api.getRun, async ({ params }) => ({ status: 200, body: await store.runs.get(params.runId) }));
  router.on(api.updateRun, async ({ params, body }) => ({ status: 200, body: await store.runs.update(params.runId, body) }));
  router.on(api.deleteRun, async ({ params }) => {
    await store.runs.delete(params.runId);
    return { status: 204 };
  });
  router.on(api.logBatch, async ({ params, body }) => {
    await store.runs.logBatch(params.runId, batchOf(body));
    return { status: 204 };
  });
  router.on(api.metricHistory, async ({ params, q }) => ({ status: 200, body: { items: await store.runs.metricHistory(params.runId, q.key) } }));
  router.on(api.deleteRunTag, async ({ params }) => {
    await store.runs.deleteTag(params.runId, params.key);
    return { status: 204 };
  });
  router.on(api.listSteps, async ({ params }) => ({ status: 200, body: { items: await store.runs.listSteps(params.runId) } }));
  router.on(api.listRunDatasets, async ({ params }) => ({ status: 200, body: { items: (await store.runs.listDatasets(params.runId)).map(({ schema: _s, profile: _p, ...d }) => d) } }));
  router.on(api.linkRunDataset, async ({ params, body }) => {
    await store.runs.get(params.runId);
    await store.runs.linkDataset(params.runId, checkId('datasetId', body.datasetId), body.role);
    return { status: 204 };
  });
}
