import { invalid } from '../../../core/errors.ts';
import { api } from '../../../api/index.ts';
import { registerStoredBundle } from '../../../registry/index.ts';
import { HUMILITY_TAG } from '../../../monitor/index.ts';
import { parseTraffic, type Stores } from '../../../store/index.ts';
import type { Router } from '../../router.ts';
import { actor, pageOf, principal } from './fields.ts';

/** Registered models, versions, aliases and approvals. The acting principal comes from the token, never from the body. */
export function registryRoutes(router: Router, stores: Stores): void {
  const m = stores.metadata.models;
  router.on(api.createModel, async (req) => ({ status: 201, body: await m.createModel({ ...req.body, actor: actor(req) }) }));
  router.on(api.getModel, async ({ params }) => ({ status: 200, body: await m.getModel(params.name) }));
  router.on(api.setModelTag, async (req) => {
    await m.setModelTag(req.params.name, req.params.key, req.body.value, actor(req));
    return { status: 204 };
  });
  router.on(api.setPolicy, async (req) => ({ status: 200, body: await m.setPolicy(req.params.name, req.body, principal(req)) }), { audit: { action: 'model.policy', entity: (p) => p.name } });
  router.on(api.getTraffic, async ({ params }) => ({ status: 200, body: { name: params.name, traffic: (await m.getModel(params.name)).traffic } }));
  router.on(api.setTraffic, async (req) => ({ status: 200, body: { name: req.params.name, traffic: (await m.setTraffic(req.params.name, parseTraffic(req.body), principal(req))).traffic } }), {
    audit: { action: 'model.traffic', entity: (p) => p.name },
  });
  router.on(
    api.deleteTraffic,
    async (req) => {
      await m.setTraffic(req.params.name, null, principal(req));
      return { status: 204 };
    },
    { audit: { action: 'model.traffic', entity: (p) => p.name } },
  );
  router.on(api.listVersions, async ({ params, q }) => ({ status: 200, body: await m.listVersions(params.name, pageOf(q)) }));
  router.on(api.createVersion, async (req) => {
    const b = req.body as typeof req.body & Record<string, unknown>;
    for (const k of ['metrics', 'task', 'signature']) if (b[k] !== undefined) throw invalid(`${k} is read from the bundle at source, not taken from the request; leave it out`);
    const v = await registerStoredBundle(stores, { name: req.params.name, runId: b.runId ?? null, source: b.source, digest: b.digest, description: b.description, tags: b.tags, author: actor(req) });
    return { status: 201, body: v };
  });
  router.on(api.getVersion, async ({ params }) => ({ status: 200, body: await m.getVersion(params.name, Number(params.version)) }));
  router.on(api.setVersionTag, async (req) => {
    // the rules are checked against the model before they are kept: only through their own route
    if (req.params.key === HUMILITY_TAG) throw invalid(`set humility rules with PUT /api/v1/models/${req.params.name}/versions/${req.params.version}/humility (they are checked against the model)`);
    await m.setVersionTag(req.params.name, Number(req.params.version), req.params.key, req.body.value, actor(req));
    return { status: 204 };
  });

  router.on(api.getCard, async ({ params }) => ({ status: 200, body: { card: await m.getCard(params.name, Number(params.version)) } }));
  router.on(api.setCard, async (req) => ({ status: 200, body: await m.setCard(req.params.name, Number(req.params.version), req.body.text, actor(req)) }));

  router.on(api.resolveAlias, async ({ params }) => ({ status: 200, body: await m.resolveAlias(params.name, params.alias) }));
  router.on(
    api.setAlias,
    async (req) => {
      await m.setAlias(req.params.name, req.params.alias, req.body.version, principal(req), req.body.reason);
      return { status: 200, body: await m.resolveAlias(req.params.name, req.params.alias) };
    },
    { audit: { action: 'alias.set', entity: (p) => `${p.name}@${p.alias}` } },
  );
  router.on(
    api.deleteAlias,
    async (req) => {
      await m.deleteAlias(req.params.name, req.params.alias, principal(req), req.q.reason ?? '');
      return { status: 204 };
    },
    { audit: { action: 'alias.delete', entity: (p) => `${p.name}@${p.alias}` } },
  );
  router.on(
    api.approve,
    async (req) => ({ status: 201, body: await m.approve({ name: req.params.name, version: Number(req.params.version), alias: req.body.alias, approver: principal(req), comment: req.body.comment ?? '' }) }),
    { audit: { action: 'approval.create', entity: (p) => `${p.name}:${p.version}` } },
  );
  router.on(api.listApprovals, async ({ params }) => ({ status: 200, body: { items: await m.listApprovals(params.name) } }));
}
