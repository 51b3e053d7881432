import type { DatasetVersion, MetadataStore } from '../../../store/index.ts';
import type { Router } from '../../router.ts';
import { bodyObject, reqInt, reqString } from './fields.ts';

export function datasetRoutes(router: Router, store: MetadataStore): void {
  const tag = 'datasets';
  const brief = ({ schema: _s, profile: _p, ...d }: DatasetVersion) => d;
  router.add('GET', '/api/v1/datasets', async () => ({ status: 200, body: { items: (await store.datasets.list()).map(brief) } }), { role: 'viewer', tag, summary: 'Registered datasets (latest version of each)' });
  router.add('POST', '/api/v1/datasets', async (req) => {
    const b = bodyObject(req);
    const d = await store.datasets.register({ name: reqString(b, 'name'), contentHash: reqString(b, 'contentHash'), source: reqString(b, 'source'), rows: reqInt(b, 'rows', 0), columns: reqInt(b, 'columns', 0), schema: b.schema, profile: b.profile });
    return { status: 201, body: d };
  }, { role: 'member', tag, summary: 'Register a dataset version (same content hash: the existing version)' });
  router.add('GET', '/api/v1/datasets/:name', async (req) => ({ status: 200, body: { items: (await store.datasets.list(req.params.name)).map(brief) } }), { role: 'viewer', tag, summary: 'Versions of a dataset, newest first' });
  router.add('GET', '/api/v1/datasets/:name/versions/:version', async (req) => ({ status: 200, body: await store.datasets.get(req.params.name, Number(req.params.version)) }), { role: 'viewer', tag, summary: 'A dataset version with schema and profile' });
}
