import { api } from '../../api/index.ts';
import type { Stores } from '../../store/index.ts';
import type { ModelProvider } from '../model-provider.ts';
import type { Router } from '../router.ts';
import { emptyWindow, windowReport } from '../../monitor/index.ts';
import type { ServingHooks } from '../../serve/index.ts';
import { pageOf } from './api/fields.ts';

/** Capstan's own model resources: the registry listing and the live drift of a served model as this process saw it. */
export function modelRoutes(router: Router, models: ModelProvider, stores: Stores | null, serving: ServingHooks): void {
  router.on(api.listModels, async ({ q }) => {
    if (stores) return { status: 200, body: await stores.metadata.models.listModels({ ...pageOf(q), ...(q.nameLike ? { nameLike: q.nameLike } : {}) }) };
    return { status: 200, body: { items: (await models.names()).map((name) => ({ name })), nextCursor: null } };
  });
  router.on(api.drift, async ({ params, q }) => {
    const served = await models.get(params.name, q.version);
    const seen = serving.monitor.totals(params.name, served.versionLabel) ?? emptyWindow();
    const r = windowReport(served.loaded.manifest, seen, [], { start: 0, end: Date.now() });
    return { status: 200, body: { name: params.name, version: served.versionLabel, rows: seen.rows, ...r.drift, predictionDrift: r.predictionDrift } };
  });
}
