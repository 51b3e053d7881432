import { checkLine } from '../../../core/names.ts';
import { api } from '../../../api/index.ts';
import type { MetadataStore } from '../../../store/index.ts';
import type { Router } from '../../router.ts';
import { pageOf } from './fields.ts';

export function auditRoutes(router: Router, store: MetadataStore): void {
  router.on(api.listAudit, async ({ q }) => ({ status: 200, body: await store.audit.list({ ...pageOf(q), ...(q.entity ? { entity: checkLine('entity', q.entity, 300) } : {}) }) }));
}
