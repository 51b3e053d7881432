import { Type } from '../typebox.ts';
import { route } from '../contract.ts';
import { ApiToken, AuditEvent, Principal } from '../records.ts';
import { Items, Page, PageQuery, Role } from '../schema.ts';

export const listAudit = route({
  method: 'GET', path: '/api/v1/audit', role: 'viewer', tag: 'audit', summary: 'The audit log, oldest first (?entity=MODEL for one model)',
  query: Type.Object({ entity: Type.Optional(Type.String({ maxLength: 300 })), ...PageQuery }),
  responses: { 200: Page(AuditEvent) },
});
export const createToken = route({
  method: 'POST', path: '/api/v1/tokens', role: 'admin', tag: 'tokens', summary: 'Create an API token (the token is in this response only)',
  body: Type.Object({ name: Type.String({ minLength: 1 }), role: Role }),
  responses: { 201: Type.Composite([ApiToken, Type.Object({ token: Type.String() })], { title: 'NewApiToken' }) }, errors: [409],
});
export const listTokens = route({ method: 'GET', path: '/api/v1/tokens', role: 'admin', tag: 'tokens', summary: 'API tokens (never their secrets)', responses: { 200: Items(ApiToken) } });
export const whoami = route({ method: 'GET', path: '/api/v1/whoami', role: 'viewer', tag: 'tokens', summary: "The caller's name and role", responses: { 200: Principal } });
export const revokeToken = route({ method: 'DELETE', path: '/api/v1/tokens/:tokenName', role: 'admin', tag: 'tokens', summary: 'Revoke a token', responses: { 204: null } });
