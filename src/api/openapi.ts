import type { TSchema } from '@sinclair/typebox';
import type { Content, Contract } from './contract.ts';
import { PATH_PARAMS, patternParams } from './params.ts';
import { ApiError, MlflowError, V2Error } from './schema.ts';

/** What each error status means, for the document. */
const ERROR_TEXT: Record<number, string> = {
  400: 'a parameter, the query or the body is invalid (the message names the field)',
  401: 'missing or invalid token',
  403: "the token's role may not do this, or a governance rule refuses it",
  404: 'not found',
  409: 'already exists',
  413: 'the body is larger than the limit',
  429: 'too many failed authentications from this client (Retry-After)',
  500: 'internal error (details in the server log, never in the answer)',
  503: 'overloaded or draining (Retry-After)',
};

/** A JSON copy of a schema (TypeBox's symbols dropped) with every titled sub-schema moved to `components` and referenced. */
function hoist(schema: TSchema, components: Record<string, unknown>): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v !== 'object' || v === null) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = walk(x);
    const title = (v as { title?: unknown }).title;
    if (typeof title !== 'string') return out;
    const seen = components[title];
    if (seen !== undefined && JSON.stringify(seen) !== JSON.stringify(out)) throw new Error(`two different schemas are titled ${title}`);
    components[title] = out;
    return { $ref: `#/components/schemas/${title}` };
  };
  return walk(JSON.parse(JSON.stringify(schema)));
}

function content(c: Content, components: Record<string, unknown>): Record<string, unknown> | undefined {
  if (c === null) return undefined;
  if (c === 'stream') return { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } };
  if (c === 'text') return { 'text/plain': { schema: { type: 'string' } } };
  return { 'application/json': { schema: hoist(c, components) } };
}

/** The OpenAPI 3.1 document of the given routes, built from their declarations alone. */
export function openApiDocument(routes: readonly Contract[], version: string): { openapi: string; paths: Record<string, Record<string, unknown>> } & Record<string, unknown> {
  const components: Record<string, unknown> = {};
  const errorSchema = { api: hoist(ApiError, components), v2: hoist(V2Error, components), mlflow: hoist(MlflowError, components) };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/[:*]([A-Za-z]+)/g, '{$1}');
    const parameters: unknown[] = patternParams(r.path).map((name) => ({ name, in: 'path', required: true, schema: hoist(PATH_PARAMS[name].schema, components), description: PATH_PARAMS[name].schema.description }));
    for (const [name, s] of Object.entries(r.query?.properties ?? {})) {
      const optional = !(r.query!.required ?? []).includes(name);
      const { description, ...schema } = hoist(s, components) as { description?: string };
      parameters.push({ name, in: 'query', required: !optional, schema, ...(description ? { description } : {}), ...(schema && (schema as { type?: string }).type === 'array' ? { explode: true } : {}) });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, c] of Object.entries(r.responses)) {
      const body = content(c, components);
      responses[status] = { description: Number(status) < 300 ? 'success' : ERROR_TEXT[Number(status)] ?? 'answer', ...(body ? { content: body } : {}) };
    }
    const errors = new Set<number>([400, 404, 500, ...(r.errors ?? [])]);
    if (!r.public) [401, 403, 429].forEach((s) => errors.add(s));
    if (r.body !== undefined) errors.add(413);
    if (r.shed) errors.add(503);
    for (const s of [...errors].sort()) {
      if (responses[s] === undefined) responses[s] = { description: ERROR_TEXT[s] ?? 'error', content: { 'application/json': { schema: errorSchema[r.errorShape ?? 'api'] } } };
    }
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      operationId: `${r.method.toLowerCase()}${path.replace(/\{([^}]+)\}/g, 'By/$1').split(/[^A-Za-z0-9]+/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}`,
      summary: r.summary,
      tags: [r.tag],
      ...(r.public ? { security: [] } : { 'x-capstan-role': r.role, description: `Needs the ${r.role} role or above.` }),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(r.body === 'stream'
        ? { requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } } }
        : r.body
          ? { requestBody: { required: true, content: { 'application/json': { schema: hoist(r.body, components) } } } }
          : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Capstan API',
      version,
      description:
        'Tracking, registry, governance, monitoring and inference. Every route but health needs `Authorization: Bearer <token>`; x-capstan-role is the least role a route needs (viewer < member < approver < admin). MLflow routes take and give Python-flavoured JSON (bare NaN and Infinity).',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas: components },
    security: [{ bearer: [] }],
    paths,
  };
}
