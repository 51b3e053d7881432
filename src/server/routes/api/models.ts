import { CapstanError, invalid } from '../../../core/errors.ts';
import type { MetadataStore } from '../../../store/index.ts';
import { ROLE_RANK, type Router } from '../../router.ts';
import { actor, bodyObject, optString, pageOfQuery, reqInt, reqString, stringMap } from './fields.ts';

/** Registered models, versions, aliases and approvals. The acting principal comes from the token, never from the body. */
export function registryRoutes(router: Router, store: MetadataStore): void {
  const tag = 'models';
  const m = store.models;
  router.add('POST', '/api/v1/models', async (req) => {
    const b = bodyObject(req);
    return { status: 201, body: await m.createModel({ name: reqString(b, 'name'), description: optString(b, 'description'), tags: stringMap(b.tags, 'tags'), actor: actor(req) }) };
  }, { role: 'member', tag, summary: 'Create a registered model' });
  router.add('GET', '/api/v1/models/:name', async (req) => ({ status: 200, body: await m.getModel(req.params.name) }), { role: 'viewer', tag, summary: 'A registered model with aliases, tags and protected aliases' });
  router.add('PUT', '/api/v1/models/:name/tags/:key', async (req) => {
    await m.setModelTag(req.params.name, req.params.key, reqString(bodyObject(req), 'value'), actor(req));
    return { status: 204 };
  }, { role: 'member', tag, summary: 'Set a model tag' });
  router.add('PUT', '/api/v1/models/:name/protected-aliases', async (req) => {
    const a = bodyObject(req).aliases;
    if (!Array.isArray(a) || a.some((x) => typeof x !== 'string')) throw invalid('aliases must be an array of strings');
    return { status: 200, body: await m.setProtectedAliases(req.params.name, a as string[], actor(req)) };
  }, { role: 'admin', tag, summary: 'Set which aliases need an approval to move' });
  router.add('GET', '/api/v1/models/:name/versions', async (req) => ({ status: 200, body: await m.listVersions(req.params.name, pageOfQuery(req)) }), { role: 'viewer', tag, summary: 'Versions of a model, oldest first' });
  router.add('POST', '/api/v1/models/:name/versions', async (req) => {
    const b = bodyObject(req);
    const metrics = b.metrics ?? {};
    if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics) || Object.values(metrics).some((v) => typeof v !== 'number')) throw invalid('metrics must be an object of numbers');
    const v = await m.createVersion({
      name: req.params.name, runId: optString(b, 'runId') ?? null, source: reqString(b, 'source'), digest: reqString(b, 'digest'), task: optString(b, 'task') ?? 'unknown',
      metrics: metrics as Record<string, number>, signature: b.signature, description: optString(b, 'description'), tags: stringMap(b.tags, 'tags'), author: actor(req),
    });
    return { status: 201, body: v };
  }, { role: 'member', tag, summary: 'Register the next version (the token\'s principal is its author)' });
  router.add('GET', '/api/v1/models/:name/versions/:version', async (req) => ({ status: 200, body: await m.getVersion(req.params.name, Number(req.params.version)) }), { role: 'viewer', tag, summary: 'A model version' });
  router.add('PUT', '/api/v1/models/:name/versions/:version/tags/:key', async (req) => {
    await m.setVersionTag(req.params.name, Number(req.params.version), req.params.key, reqString(bodyObject(req), 'value'), actor(req));
    return { status: 204 };
  }, { role: 'member', tag, summary: 'Set a version tag' });

  router.add('GET', '/api/v1/models/:name/aliases/:alias', async (req) => ({ status: 200, body: await m.resolveAlias(req.params.name, req.params.alias) }), { role: 'viewer', tag: 'aliases', summary: 'The version an alias points at' });
  router.add('PUT', '/api/v1/models/:name/aliases/:alias', async (req) => {
    const b = bodyObject(req);
    await m.setAlias(req.params.name, req.params.alias, reqInt(b, 'version', 1), actor(req), optString(b, 'reason'));
    return { status: 200, body: await m.resolveAlias(req.params.name, req.params.alias) };
  }, { role: 'member', tag: 'aliases', summary: 'Move (or create) an alias; protected aliases need an approval of the version' });
  router.add('DELETE', '/api/v1/models/:name/aliases/:alias', async (req) => {
    const model = await m.getModel(req.params.name);
    if (model.protectedAliases.includes(req.params.alias) && req.principal && ROLE_RANK[req.principal.role] < ROLE_RANK.approver) {
      throw new CapstanError('PERMISSION_DENIED', `alias "${req.params.alias}" is protected: removing it needs the approver role`);
    }
    await m.deleteAlias(req.params.name, req.params.alias, actor(req), req.query.get('reason') ?? '');
    return { status: 204 };
  }, { role: 'member', tag: 'aliases', summary: 'Remove an alias (a protected one needs the approver role)' });

  router.add('POST', '/api/v1/models/:name/versions/:version/approvals', async (req) => {
    const b = bodyObject(req);
    const approver = req.principal ?? { name: 'anonymous', role: 'viewer' as const };
    return { status: 201, body: await m.approve({ name: req.params.name, version: Number(req.params.version), alias: reqString(b, 'alias'), approver, comment: optString(b, 'comment') ?? '' }) };
  }, { role: 'approver', tag: 'approvals', summary: 'Approve a version for an alias (not by its author)' });
  router.add('GET', '/api/v1/models/:name/approvals', async (req) => ({ status: 200, body: { items: await m.listApprovals(req.params.name) } }), { role: 'viewer', tag: 'approvals', summary: 'Approvals of a model' });
}
