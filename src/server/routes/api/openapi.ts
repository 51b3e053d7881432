import type { Route, Router } from '../../router.ts';

/** The OpenAPI 3.1 document of every route on the router, built from the route table itself so it cannot drift. */
export function openApiDocument(routes: Route[]): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = '/' + r.segments.map((s) => (s.startsWith(':') || s.startsWith('*') ? `{${s.slice(1)}}` : s)).join('/');
    const params = r.segments.filter((s) => s.startsWith(':') || s.startsWith('*')).map((s) => ({ name: s.slice(1), in: 'path', required: true, schema: { type: 'string' } }));
    const errorRef = { description: 'error', content: { 'application/json': { schema: { $ref: r.errors === 'mlflow' ? '#/components/schemas/MlflowError' : r.errors === 'v2' ? '#/components/schemas/V2Error' : '#/components/schemas/Error' } } } };
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary ?? `${r.method} ${path}`,
      tags: [r.tag ?? (r.pattern.startsWith('/api/2.0/mlflow') ? 'mlflow' : r.pattern.startsWith('/v2') ? 'inference' : 'api')],
      ...(r.public ? { security: [] } : { 'x-capstan-role': r.role }),
      parameters: params,
      ...(r.body === 'stream' ? { requestBody: { content: { 'application/octet-stream': {} } } } : ['POST', 'PUT', 'PATCH'].includes(r.method) ? { requestBody: { content: { 'application/json': { schema: { type: 'object' } } } } } : {}),
      responses: { '2XX': { description: 'success' }, '4XX': errorRef, '5XX': errorRef },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Capstan API', version: '1', description: 'Tracking, registry, governance and inference. Every route but health needs `Authorization: Bearer <token>`; x-capstan-role is the least role it needs (viewer < member < approver < admin).' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } } },
        MlflowError: { type: 'object', properties: { error_code: { type: 'string' }, message: { type: 'string' } } },
        V2Error: { type: 'object', properties: { error: { type: 'string' } } },
      },
    },
    security: [{ bearer: [] }],
    paths,
  };
}

export function openApiRoute(router: Router): void {
  router.add('GET', '/api/v1/openapi.json', () => ({ status: 200, body: openApiDocument(router.routes) }), { role: 'viewer', tag: 'api', summary: 'This document' });
}
