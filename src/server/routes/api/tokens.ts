import type { MetadataStore, Role } from '../../../store/index.ts';
import type { Router } from '../../router.ts';
import { actor, bodyObject, reqString } from './fields.ts';

export function tokenRoutes(router: Router, store: MetadataStore): void {
  const tag = 'tokens';
  router.add('POST', '/api/v1/tokens', async (req) => {
    const b = bodyObject(req);
    const { token, info } = await store.tokens.create({ name: reqString(b, 'name'), role: reqString(b, 'role') as Role, actor: actor(req) });
    return { status: 201, body: { ...info, token } };
  }, { role: 'admin', tag, summary: 'Create an API token (the token is in this response only)' });
  router.add('GET', '/api/v1/tokens', async () => ({ status: 200, body: { items: await store.tokens.list() } }), { role: 'admin', tag, summary: 'API tokens (never their secrets)' });
  router.add('GET', '/api/v1/whoami', (req) => ({ status: 200, body: req.principal ?? { name: 'anonymous', role: 'admin' } }), { role: 'viewer', tag, summary: 'The caller\'s name and role' });
  router.add('DELETE', '/api/v1/tokens/:tokenName', async (req) => {
    await store.tokens.revoke(req.params.tokenName, actor(req));
    return { status: 204 };
  }, { role: 'admin', tag, summary: 'Revoke a token' });
}
