import type { Stores } from '../../store/index.ts';
import type { ModelProvider } from '../model-provider.ts';
import type { Router } from '../router.ts';
import { pageOfQuery } from './api/fields.ts';

/** Capstan's own model resources: the registry listing and the live drift report of a served model. */
export function modelRoutes(router: Router, models: ModelProvider, stores: Stores | null): void {
  router.add('GET', '/api/v1/models', async (req) => {
    if (stores) return { status: 200, body: await stores.metadata.models.listModels({ ...pageOfQuery(req), ...(req.query.get('nameLike') ? { nameLike: req.query.get('nameLike')! } : {}) }) };
    return { status: 200, body: { items: (await models.names()).map((name) => ({ name })), nextCursor: null } };
  }, { role: 'viewer', tag: 'models', summary: 'Registered models by name (?nameLike= a LIKE pattern)' });
  router.add('GET', '/api/v1/models/:name/drift', async (req) => {
    const served = await models.get(req.params.name, req.query.get('version') ?? undefined);
    return { status: 200, body: { name: req.params.name, version: served.versionLabel, ...served.drift.report() } };
  }, { role: 'viewer', tag: 'monitoring', summary: 'Live drift of a served model against its training baseline' });
}
