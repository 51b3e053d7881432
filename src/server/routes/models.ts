import type { Stores } from '../../store/index.ts';
import type { ModelProvider } from '../model-provider.ts';
import type { Router } from '../router.ts';

/** Capstan's own model resources: the registry listing and the live drift report of a served model. */
export function modelRoutes(router: Router, models: ModelProvider, stores: Stores | null): void {
  router.add('GET', '/api/v1/models', async () => {
    if (stores) return { status: 200, body: { models: await stores.metadata.models.listModels() } };
    return { status: 200, body: { models: (await models.names()).map((name) => ({ name })) } };
  });
  router.add('GET', '/api/v1/models/:name/drift', async (req) => {
    const served = await models.get(req.params.name, req.query.get('version') ?? undefined);
    return { status: 200, body: { name: req.params.name, version: served.versionLabel, ...served.drift.report() } };
  });
}
