import { Type } from '../typebox.ts';
import { route } from '../contract.ts';
import { Approval, ModelCard, ModelPolicy, ModelVersion, RegisteredModel, TrafficSpec } from '../records.ts';
import { Int, Items, Page, PageQuery, StringMap } from '../schema.ts';

const tag = 'models';
const Tag = Type.Object({ value: Type.String() });
const Traffic = Type.Object({ name: Type.String(), traffic: Type.Union([TrafficSpec, Type.Null()]) }, { title: 'ModelTraffic' });

export const createModel = route({
  method: 'POST', path: '/api/v1/models', role: 'member', tag, summary: 'Create a registered model',
  body: Type.Object({ name: Type.String({ minLength: 1 }), description: Type.Optional(Type.String()), tags: Type.Optional(StringMap) }),
  responses: { 201: RegisteredModel }, errors: [409],
});
export const getModel = route({ method: 'GET', path: '/api/v1/models/:name', role: 'viewer', tag, summary: 'A registered model with aliases, tags, policy and traffic', responses: { 200: RegisteredModel } });
export const setModelTag = route({ method: 'PUT', path: '/api/v1/models/:name/tags/:key', role: 'member', tag, summary: 'Set a model tag', body: Tag, responses: { 204: null } });
export const setPolicy = route({
  method: 'PUT', path: '/api/v1/models/:name/policy', role: 'admin', tag, summary: 'Set the governance policy: protectedAliases (aliases whose moves need an approval), selfApproval',
  body: Type.Partial(Type.Object(ModelPolicy.properties), { additionalProperties: false, description: 'the fields to change' }),
  responses: { 200: RegisteredModel },
});
export const getTraffic = route({ method: 'GET', path: '/api/v1/models/:name/traffic', role: 'viewer', tag, summary: 'How the bare name is split across versions', responses: { 200: Traffic } });
export const setTraffic = route({
  method: 'PUT', path: '/api/v1/models/:name/traffic', role: 'member', tag,
  summary: 'Split the bare name across versions (routes with weights, shadow, sticky header); weighted versions need an approval for champion',
  body: TrafficSpec, responses: { 200: Traffic },
});
export const deleteTraffic = route({ method: 'DELETE', path: '/api/v1/models/:name/traffic', role: 'member', tag, summary: 'Remove the traffic split (the champion answers the bare name again)', responses: { 204: null } });
export const listVersions = route({ method: 'GET', path: '/api/v1/models/:name/versions', role: 'viewer', tag, summary: 'Versions of a model, oldest first', query: Type.Object(PageQuery), responses: { 200: Page(ModelVersion) } });
export const createVersion = route({
  method: 'POST', path: '/api/v1/models/:name/versions', role: 'member', tag,
  summary: "Register the bundle at source (in the artifact store) as the next version; digest, task, metrics and signature come from the bundle; the token's principal is its author",
  body: Type.Object({
    source: Type.String({ minLength: 1, description: 'where the bundle is in the artifact store' }),
    runId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    digest: Type.Optional(Type.String({ description: 'when given, must match the bundle' })),
    description: Type.Optional(Type.String()),
    tags: Type.Optional(StringMap),
  }),
  responses: { 201: ModelVersion },
});
export const getVersion = route({ method: 'GET', path: '/api/v1/models/:name/versions/:version', role: 'viewer', tag, summary: 'A model version', responses: { 200: ModelVersion } });
export const setVersionTag = route({ method: 'PUT', path: '/api/v1/models/:name/versions/:version/tags/:key', role: 'member', tag, summary: 'Set a version tag', body: Tag, responses: { 204: null } });
export const getCard = route({
  method: 'GET', path: '/api/v1/models/:name/versions/:version/card', role: 'viewer', tag, summary: 'A version\'s model card (card: null when nobody wrote one)',
  responses: { 200: Type.Object({ card: Type.Union([ModelCard, Type.Null()]) }, { title: 'ModelCardAnswer' }) },
});
export const setCard = route({
  method: 'PUT', path: '/api/v1/models/:name/versions/:version/card', role: 'member', tag, summary: 'Write (or replace) a version\'s model card (markdown, audited)',
  body: Type.Object({ text: Type.String({ maxLength: 100_000 }) }),
  responses: { 200: ModelCard },
});

export const resolveAlias = route({ method: 'GET', path: '/api/v1/models/:name/aliases/:alias', role: 'viewer', tag: 'aliases', summary: 'The version an alias points at', responses: { 200: ModelVersion } });
export const setAlias = route({
  method: 'PUT', path: '/api/v1/models/:name/aliases/:alias', role: 'member', tag: 'aliases', summary: 'Move (or create) an alias; protected aliases need an approval of the version',
  body: Type.Object({ version: Int(1), reason: Type.Optional(Type.String()) }),
  responses: { 200: ModelVersion },
});
export const deleteAlias = route({
  method: 'DELETE', path: '/api/v1/models/:name/aliases/:alias', role: 'member', tag: 'aliases', summary: 'Remove an alias (a protected one needs the approver role)',
  query: Type.Object({ reason: Type.Optional(Type.String()) }),
  responses: { 204: null },
});
export const approve = route({
  method: 'POST', path: '/api/v1/models/:name/versions/:version/approvals', role: 'approver', tag: 'approvals', summary: 'Approve a version for an alias (not by its author unless the policy allows it)',
  body: Type.Object({ alias: Type.String({ minLength: 1 }), comment: Type.Optional(Type.String()) }),
  responses: { 201: Approval },
});
export const listApprovals = route({ method: 'GET', path: '/api/v1/models/:name/approvals', role: 'viewer', tag: 'approvals', summary: 'Approvals of a model', responses: { 200: Items(Approval) } });
