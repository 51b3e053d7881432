import { api } from '../../../api/index.ts';
import type { MetadataStore } from '../../../store/index.ts';
import type { Router } from '../../router.ts';
import { pageOf } from './fields.ts';

export function experimentRoutes(router: Router, store: MetadataStore): void {
  router.on(api.listExperiments, async ({ q }) => {
    if (q.name !== undefined) return { status: 200, body: { items: [await store.experiments.getByName(q.name)], nextCursor: null } };
    return { status: 200, body: await store.experiments.list({ ...pageOf(q), includeDeleted: q.include_deleted === true }) };
  });
  router.on(api.createExperiment, async ({ body }) => ({ status: 201, body: await store.experiments.create(body) }));
  router.on(api.getExperiment, async ({ params }) => ({ status: 200, body: await store.experiments.get(params.experimentId) }));
  router.on(api.setExperimentTag, async ({ params, body }) => {
    await store.experiments.setTag(params.experimentId, params.key, body.value);
    return { status: 204 };
  });
}
