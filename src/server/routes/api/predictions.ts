import { invalid } from '../../../core/errors.ts';
import { checkName } from '../../../core/names.ts';
import { api, type BodyOf } from '../../../api/index.ts';
import type { MetadataStore, PredictionRecord } from '../../../store/index.ts';
import type { Router } from '../../router.ts';
import { pageOf } from './fields.ts';

type Input = BodyOf<typeof api.appendPredictions>['records'][number];

/** One record of a POSTed batch (its shape already checked): the name as a model name, one value per column in every row. */
function recordOf(v: Input, i: number): PredictionRecord {
  const at = `records[${i}]`;
  if (!v.features.rows.every((r) => r.length === v.features.columns.length)) throw invalid(`${at}.features must be {columns: [names], rows: [[values], ...]} with one value per column`);
  return { ...v, model: checkName(`${at}.model`, v.model), rows: v.features.rows.length, shadow: v.shadow === true };
}

/** The prediction log: served models append here; monitoring reads it and actuals join it by id. */
export function predictionRoutes(router: Router, store: MetadataStore): void {
  router.on(api.listPredictions, async ({ q }) => ({
    status: 200,
    body: await store.predictions.list({ ...pageOf(q), ...(q.model ? { model: checkName('model', q.model) } : {}), ...(q.since !== undefined ? { since: q.since } : {}) }),
  }));
  router.on(api.getPrediction, async ({ params }) => ({ status: 200, body: await store.predictions.get(params.predictionId) }));
  router.on(api.appendPredictions, async ({ body }) => {
    await store.predictions.append(body.records.map(recordOf));
    return { status: 204 };
  });
  router.on(api.prunePredictions, async ({ body: b }) => {
    const rule = { ...(b.model !== undefined ? { model: b.model } : {}), ...(b.maxAgeMs !== undefined ? { maxAgeMs: b.maxAgeMs } : {}), ...(b.maxRecords !== undefined ? { maxRecords: b.maxRecords } : {}) };
    return { status: 200, body: { deleted: await store.predictions.prune(rule, { ...(b.limit !== undefined ? { limit: b.limit } : {}), ...(b.now !== undefined ? { now: b.now } : {}) }) } };
  });
}
