import { api } from '../../../api/index.ts';
import type { DatasetVersion, MetadataStore } from '../../../store/index.ts';
import type { Router } from '../../router.ts';
import { actor } from './fields.ts';

export function datasetRoutes(router: Router, store: MetadataStore): void {
  const brief = ({ schema: _s, profile: _p, ...d }: DatasetVersion) => d;
  router.on(api.listDatasets, async () => ({ status: 200, body: { items: (await store.datasets.list()).map(brief) } }));
  router.on(api.registerDataset, async ({ body }) => ({ status: 201, body: await store.datasets.register(body) }));
  router.on(api.listDatasetVersions, async ({ params }) => ({ status: 200, body: { items: (await store.datasets.list(params.name)).map(brief) } }));
  router.on(api.getDatasetVersion, async ({ params }) => ({ status: 200, body: await store.datasets.get(params.name, Number(params.version)) }));
  router.on(api.listDatasetValidations, async ({ params, q }) => ({ status: 200, body: { items: await store.datasets.listValidations(params.name, Number(params.version), { limit: q.limit }) } }));
  router.on(api.addDatasetValidation, async (req) => ({
    status: 201,
    body: await store.datasets.addValidation({ ...req.body, name: req.params.name, version: Number(req.params.version), actor: actor(req) }),
  }));
}
