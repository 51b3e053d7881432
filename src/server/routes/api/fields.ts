import type { PageRequest, Principal } from '../../../store/index.ts';
import type { ApiRequest } from '../../router.ts';

/** `limit` and `cursor` of a checked query. */
export function pageOf(q: { limit?: number; cursor?: string }): PageRequest {
  return { limit: q.limit, cursor: q.cursor ?? null };
}

export function actor(req: Pick<ApiRequest, 'principal'>): string {
  return req.principal?.name ?? 'anonymous';
}

/** Who is calling, for the store's governance rules (a server without authentication has no roles to grant). */
export function principal(req: Pick<ApiRequest, 'principal'>): Principal {
  return req.principal ?? { name: 'anonymous', role: 'viewer' };
}
