import { api } from '../../../api/index.ts';
import type { MetadataStore } from '../../../store/index.ts';
import type { Router } from '../../router.ts';
import { actor } from './fields.ts';

export function tokenRoutes(router: Router, store: MetadataStore): void {
  router.on(api.createToken, async (req) => {
    const { token, info } = await store.tokens.create({ name: req.body.name, role: req.body.role, actor: actor(req) });
    return { status: 201, body: { ...info, token } };
  });
  router.on(api.listTokens, async () => ({ status: 200, body: { items: await store.tokens.list() } }));
  router.on(api.whoami, (req) => ({ status: 200, body: req.principal ?? { name: 'anonymous', role: 'admin' } }));
  router.on(api.revokeToken, async (req) => {
    await store.tokens.revoke(req.params.tokenName, actor(req));
    return { status: 204 };
  });
}
