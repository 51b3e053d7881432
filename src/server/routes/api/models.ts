import { invalid } from '../../../core/errors.ts';
import { registerStoredBundle } from '../../../registry/index.ts';
import { parseTraffic, type Stores } from '../../../store/index.ts';
import type { Router } from '../../router.ts';
import { actor, bodyObject, optString, pageOfQuery, principal, reqInt, reqString, stringMap } from './fields.ts';

/** Registered models, versions, aliases and approvals. The acting principal comes from the token, never from the body. */
export function registryRoutes(router: Router, stores: Stores): void {
  const tag = 'models';
  const m = stores.metadata.models;
  router.add('POST', '/api/v1/models', async (req) => {
    const b = bodyObject(req);
    return { status: 201, body: await m.createModel({ name: reqString(b, 'name'), description: optString(b, 'description'), tags: stringMap(b.tags, 'tags'), actor: actor(req) }) };
  }, { role: 'member', tag, summary: 'Create a registered model' });
  router.add('GET', '/api/v1/models/:name', async (req) => ({ status: 200, body: await m.getModel(req.params.name) }), { role: 'viewer', tag, summary: 'A registered model with aliases, tags and protected aliases' });
  router.add('PUT', '/api/v1/models/:name/tags/:key', async (req) => {
    await m.setModelTag(req.params.name, req.params.key, reqString(bodyObject(req), 'value'), actor(req));
    return { status: 204 };
  }, { role: 'member', tag, summary: 'Set a model tag' });
  router.add('PUT', '/api/v1/models/:name/policy', async (req) => {
    return { status: 200, body: await m.setPolicy(req.params.name, bodyObject(req), principal(req)) };
  }, { role: 'admin', tag, summary: 'Set the governance policy: protectedAliases (aliases whose moves need an approval), selfApproval', audit: { action: 'model.policy', entity: (p) => p.name } });
  router.add('GET', '/api/v1/models/:name/traffic', async (req) => ({ status: 200, body: { name: req.params.name, traffic: (await m.getModel(req.params.name)).traffic } }), { role: 'viewer', tag, summary: 'How the bare name is split across versions' });
  router.add('PUT', '/api/v1/models/:name/traffic', async (req) => {
    return { status: 200, body: { name: req.params.name, traffic: (await m.setTraffic(req.params.name, parseTraffic(bodyObject(req)), principal(req))).traffic } };
  }, { role: 'member', tag, summary: 'Split the bare name across versions (routes with weights, shadow, sticky header); weighted versions need an approval for champion', audit: { action: 'model.traffic', entity: (p) => p.name } });
  router.add('DELETE', '/api/v1/models/:name/traffic', async (req) => {
    await m.setTraffic(req.params.name, null, principal(req));
    return { status: 204 };
  }, { role: 'member', tag, summary: 'Remove the traffic split (the champion answers the bare name again)', audit: { action: 'model.traffic', entity: (p) => p.name } });
  router.add('GET', '/api/v1/models/:name/versions', async (req) => ({ status: 200, body: await m.listVersions(req.params.name, pageOfQuery(req)) }), { role: 'viewer', tag, summary: 'Versions of a model, oldest first' });
  router.add('POST', '/api/v1/models/:name/versions', async (req) => {
    const b = bodyObject(req);
    for (const k of ['metrics', 'task', 'signature']) if (b[k] !== undefined) throw invalid(`${k} is read from the bundle at source, not taken from the request; leave it out`);
    const v = await registerStoredBundle(stores, {
      name: req.params.name, runId: optString(b, 'runId') ?? null, source: reqString(b, 'source'), digest: optString(b, 'digest'), description: optString(b, 'description'), tags: stringMap(b.tags, 'tags'), author: actor(req),
    });
    return { status: 201, body: v };
  }, { role: 'member', tag, summary: 'Register the bundle at source (in the artifact store) as the next version; digest, task, metrics and signature come from the bundle; the token\'s principal is its author' });
  router.add('GET', '/api/v1/models/:name/versions/:version', async (req) => ({ status: 200, body: await m.getVersion(req.params.name, Number(req.params.version)) }), { role: 'viewer', tag, summary: 'A model version' });
  router.add('PUT', '/api/v1/models/:name/versions/:version/tags/:key', async (req) => {
    await m.setVersionTag(req.params.name, Number(req.params.version), req.params.key, reqString(bodyObject(req), 'value'), actor(req));
    return { status: 204 };
  }, { role: 'member', tag, summary: 'Set a version tag' });

  router.add('GET', '/api/v1/models/:name/aliases/:alias', async (req) => ({ status: 200, body: await m.resolveAlias(req.params.name, req.params.alias) }), { role: 'viewer', tag: 'aliases', summary: 'The version an alias points at' });
  router.add('PUT', '/api/v1/models/:name/aliases/:alias', async (req) => {
    const b = bodyObject(req);
    await m.setAlias(req.params.name, req.params.alias, reqInt(b, 'version', 1), principal(req), optString(b, 'reason'));
    return { status: 200, body: await m.resolveAlias(req.params.name, req.params.alias) };
  }, { role: 'member', tag: 'aliases', summary: 'Move (or create) an alias; protected aliases need an approval of the version', audit: { action: 'alias.set', entity: (p) => `${p.name}@${p.alias}` } });
  router.add('DELETE', '/api/v1/models/:name/aliases/:alias', async (req) => {
    await m.deleteAlias(req.params.name, req.params.alias, principal(req), req.query.get('reason') ?? '');
    return { status: 204 };
  }, { role: 'member', tag: 'aliases', summary: 'Remove an alias (a protected one needs the approver role)', audit: { action: 'alias.delete', entity: (p) => `${p.name}@${p.alias}` } });

  router.add('POST', '/api/v1/models/:name/versions/:version/approvals', async (req) => {
    const b = bodyObject(req);
    return { status: 201, body: await m.approve({ name: req.params.name, version: Number(req.params.version), alias: reqString(b, 'alias'), approver: principal(req), comment: optString(b, 'comment') ?? '' }) };
  }, { role: 'approver', tag: 'approvals', summary: 'Approve a version for an alias (not by its author unless the policy allows it)', audit: { action: 'approval.create', entity: (p) => `${p.name}:${p.version}` } });
  router.add('GET', '/api/v1/models/:name/approvals', async (req) => ({ status: 200, body: { items: await m.listApprovals(req.params.name) } }), { role: 'viewer', tag: 'approvals', summary: 'Approvals of a model' });
}
