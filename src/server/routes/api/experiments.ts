import type { MetadataStore } from '../../../store/index.ts';
import type { Router } from '../../router.ts';
import { bodyObject, optString, pageOfQuery, reqString, stringMap } from './fields.ts';

export function experimentRoutes(router: Router, store: MetadataStore): void {
  const tag = 'experiments';
  router.add('GET', '/api/v1/experiments', async (req) => {
    const name = req.query.get('name');
    if (name !== null) return { status: 200, body: { items: [await store.experiments.getByName(name)], nextCursor: null } };
    return { status: 200, body: await store.experiments.list({ ...pageOfQuery(req), includeDeleted: req.query.get('include_deleted') === 'true' }) };
  }, { role: 'viewer', tag, summary: 'List experiments (oldest first), or find one by ?name=' });
  router.add('POST', '/api/v1/experiments', async (req) => {
    const b = bodyObject(req);
    const e = await store.experiments.create({ name: reqString(b, 'name'), artifactLocation: optString(b, 'artifactLocation'), tags: stringMap(b.tags, 'tags') });
    return { status: 201, body: e };
  }, { role: 'member', tag, summary: 'Create an experiment' });
  router.add('GET', '/api/v1/experiments/:experimentId', async (req) => ({ status: 200, body: await store.experiments.get(req.params.experimentId) }), { role: 'viewer', tag, summary: 'Get an experiment' });
  router.add('PUT', '/api/v1/experiments/:experimentId/tags/:key', async (req) => {
    await store.experiments.setTag(req.params.experimentId, req.params.key, reqString(bodyObject(req), 'value'));
    return { status: 204 };
  }, { role: 'member', tag, summary: 'Set an experiment tag' });
}
