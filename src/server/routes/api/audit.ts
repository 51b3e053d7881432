import { checkLine } from '../../../core/names.ts';
import type { MetadataStore } from '../../../store/index.ts';
import type { Router } from '../../router.ts';
import { pageOfQuery } from './fields.ts';

export function auditRoutes(router: Router, store: MetadataStore): void {
  router.add('GET', '/api/v1/audit', async (req) => {
    const entity = req.query.get('entity');
    return { status: 200, body: await store.audit.list({ ...pageOfQuery(req), ...(entity ? { entity: checkLine('entity', entity, 300) } : {}) }) };
  }, { role: 'viewer', tag: 'audit', summary: 'The audit log, oldest first (?entity=MODEL for one model)' });
}
