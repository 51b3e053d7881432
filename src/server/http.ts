import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CapstanError, isCapstanError } from '../core/errors.ts';
import type { Route, Router } from './router.ts';

export interface HttpOptions {
  /** bearer token required on every non-public route; null = no auth (single-model `capstan serve` on loopback) */
  token: string | null;
  maxBodyBytes: number;
  log?: (line: string) => void;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, route: Route | undefined, e: CapstanError): void {
  const body = route?.errors === 'v2' ? { error: e.message } : { error: { code: e.code, message: e.message } };
  send(res, e.httpStatus, body);
}

async function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new CapstanError('PAYLOAD_TOO_LARGE', `request body is ${declared} bytes; the limit is ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new CapstanError('PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new CapstanError('INVALID_ARGUMENT', 'request body is not valid JSON');
  }
}

/**
 * The thin HTTP adapter: routing, token check, JSON body with a size limit, and one mapping from CapstanError codes to statuses.
 * Anything unexpected becomes a 500 without internals in the body (logged instead).
 */
export function createHttpServer(router: Router, opts: HttpOptions): Server {
  const expected = opts.token ? digest(opts.token) : null;
  return createServer(async (req, res) => {
    let route: Route | undefined;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = req.method ?? 'GET';
      const found = router.match(method, url.pathname);
      if (found === null) throw new CapstanError('NOT_FOUND', `no route ${method} ${url.pathname.slice(0, 200)}`);
      if ('allowed' in found) {
        send(res, 405, { error: { code: 'INVALID_ARGUMENT', message: `method ${method} not allowed here (allowed: ${found.allowed.join(', ')})` } }, { allow: found.allowed.join(', ') });
        return;
      }
      route = found.route;
      if (!route.public && expected) {
        const auth = req.headers.authorization ?? '';
        const m = /^Bearer (.+)$/.exec(auth);
        if (!m || !timingSafeEqual(digest(m[1]), expected)) throw new CapstanError('UNAUTHENTICATED', 'missing or invalid token: send "Authorization: Bearer <token>"');
      }
      const body = method === 'POST' || method === 'PUT' || method === 'PATCH' ? await readBody(req, opts.maxBodyBytes) : undefined;
      const out = await route.handler({ method, path: url.pathname, params: found.params, query: url.searchParams, headers: req.headers, body });
      send(res, out.status, out.body, out.headers);
    } catch (e) {
      if (isCapstanError(e)) {
        sendError(res, route, e);
        if (e.code === 'PAYLOAD_TOO_LARGE') req.resume();
        return;
      }
      opts.log?.(`internal error on ${req.method} ${req.url}: ${(e as Error)?.stack ?? String(e)}`);
      sendError(res, route, new CapstanError('INTERNAL', 'internal error'));
    }
  });
}

