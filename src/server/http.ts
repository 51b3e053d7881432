import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { CapstanError, isCapstanError, type ErrorCode } from '../core/errors.ts';
import { decodeFully } from '../core/names.ts';
import { hasRole, type Principal } from '../store/index.ts';
import { jsonDepth, MAX_JSON_DEPTH, parsePythonJson, stringifyApiJson, stringifyPythonJson } from '../core/json.ts';
import type { ApiResponse, Route, Router } from './router.ts';
import { AuthThrottle } from './throttle.ts';
import { sendUiFile, type UiFiles } from './static-ui.ts';

export interface HttpOptions {
  /** who a bearer token belongs to; null = no auth at all (single-model `capstan serve` on loopback without a token file) */
  authenticate: ((token: string) => Promise<Principal | null>) | null;
  maxBodyBytes: number;
  /** requests of `shed` routes handled at once; past it they are refused with 503 + Retry-After (load shedding) */
  maxInFlight?: number;
  log?: (line: string) => void;
  /** a request refused for its token or its role; the refusal is sent once this settles (so a recorded refusal is never lost) */
  refused?: (r: Refusal) => Promise<void> | void;
  /** failed token attempts per client; past its limit a client gets 429 + Retry-After (a default one when not given) */
  throttle?: AuthThrottle;
  /** the web UI's files (public: the pages hold no data; they call the API with the user's token) */
  ui?: UiFiles | null;
}

/** Who was refused what, and why: for the audit log. */
export interface Refusal {
  method: string;
  route: Route;
  /** the route's parameters, when they were valid */
  params: Record<string, string> | null;
  principal: Principal | null;
  code: 'UNAUTHENTICATED' | 'PERMISSION_DENIED';
  reason: string;
  client: string;
}

/** MLflow's error codes for ours (its clients branch on them). */
const MLFLOW_CODES: Record<ErrorCode, string> = {
  INVALID_ARGUMENT: 'INVALID_PARAMETER_VALUE',
  USAGE: 'BAD_REQUEST',
  NOT_FOUND: 'RESOURCE_DOES_NOT_EXIST',
  ALREADY_EXISTS: 'RESOURCE_ALREADY_EXISTS',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  PAYLOAD_TOO_LARGE: 'REQUEST_LIMIT_EXCEEDED',
  UNAVAILABLE: 'TEMPORARILY_UNAVAILABLE',
  INTERNAL: 'INTERNAL_ERROR',
};

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function errorBody(route: Route | undefined, e: CapstanError): string {
  if (route?.errors === 'v2') return JSON.stringify({ error: e.message });
  if (route?.errors === 'mlflow') return JSON.stringify({ error_code: MLFLOW_CODES[e.code], message: e.message });
  return JSON.stringify({ error: { code: e.code, message: e.message } });
}

/** The request body (null when empty), refused past `limit` bytes; `done` is called once. */
function readBody(req: IncomingMessage, limit: number, done: (e: CapstanError | null, body: Buffer | null) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let failed = false;
  req.on('data', (chunk: Buffer) => {
    if (failed) return;
    size += chunk.length;
    if (size > limit) {
      failed = true;
      done(new CapstanError('PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`), null);
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (!failed) done(null, size === 0 ? null : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
  });
  req.on('error', (e) => {
    if (!failed) done(new CapstanError('INVALID_ARGUMENT', `request body could not be read: ${e.message}`), null);
    failed = true;
  });
}

/** The JSON body, or undefined when there is none; `done` is called once (at once for an oversized declared length). */
function readJson(req: IncomingMessage, limit: number, python: boolean, done: (e: unknown, body: unknown) => void): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return done(new CapstanError('PAYLOAD_TOO_LARGE', `request body is ${declared} bytes; the limit is ${limit}`), undefined);
  readBody(req, limit, (e, buf) => {
    if (e) return done(e, undefined);
    if (buf === null) return done(null, undefined);
    // refused before parsing: a deeply nested body would be stored, then fail every reader's serialisation
    if (jsonDepth(buf) > MAX_JSON_DEPTH) return done(new CapstanError('INVALID_ARGUMENT', `request body nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`), undefined);
    let body: unknown;
    try {
      const text = buf.toString('utf8');
      body = python ? parsePythonJson(text) : JSON.parse(text);
    } catch (err) {
      return done(isCapstanError(err) ? err : new CapstanError('INVALID_ARGUMENT', 'request body is not valid JSON'), undefined);
    }
    done(null, body);
  });
}

const PLAIN_SEGMENT = /^[A-Za-z0-9._~-]+$/;

/**
 * The raw request path split into still-encoded segments. Dot segments, empty segments, backslashes, NUL and control
 * characters are refused here, whatever their encoding, so no URL normalisation can change which route or entity is addressed.
 */
export function rawSegments(rawUrl: string): string[] {
  const path = rawUrl.split('?')[0];
  if (!path.startsWith('/')) throw new CapstanError('INVALID_ARGUMENT', 'the request path must start with /');
  const parts = path.split('/').slice(1);
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  parts.forEach((p, i) => {
    // a plain segment (unreserved characters only, the usual case) has nothing to decode, normalise or refuse
    if (PLAIN_SEGMENT.test(p) && p !== '.' && p !== '..') return;
    const d = decodeFully(`path segment ${i + 1}`, p);
    // eslint-disable-next-line no-control-regex
    if (d === '' || d === '.' || d === '..' || /[\\\u0000-\u001f\u007f#]/.test(d) || d.normalize('NFKC').split('/').some((x) => x === '..' || x === '.')) {
      throw new CapstanError('INVALID_ARGUMENT', `path segment ${i + 1} is not allowed (no empty, "." or ".." segments, backslashes, "#" or control characters, however encoded)`);
    }
  });
  return parts;
}

/** Whether a request's Origin (absent: not a browser's cross-site request) names the host it was sent to. */
export function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    // "null" (a sandboxed page, a file) or garbage: not this server's page
    return false;
  }
}

const NO_TOKEN = 'missing or invalid token: send "Authorization: Bearer <token>"';

/** The checked query of a route that declares none, or checks its own: shared, never written to. */
const NO_FIELDS = Object.freeze({});

/** The query of a URL without one (most requests): shared, never written to. */
const NO_QUERY = new URLSearchParams();

/**
 * The thin HTTP adapter: routing, authentication and roles, JSON bodies with a size limit, and one mapping from CapstanError
 * codes to statuses. Anything unexpected becomes a 500 without internals in the body (logged instead). A request whose
 * steps all finish at once (no token to look up, a handler that answers synchronously) is answered without a promise turn.
 */
export function createHttpServer(router: Router, opts: HttpOptions): Server {
  const maxInFlight = opts.maxInFlight ?? 1024;
  const throttle = opts.throttle ?? new AuthThrottle();
  let inFlight = 0;
  return createServer((req, res) => {
    let route: Route | undefined;
    let counted = false;
    const release = () => {
      if (counted) inFlight--;
      counted = false;
    };
    const fail = (e: unknown) => {
      release();
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const err = isCapstanError(e) ? e : new CapstanError('INTERNAL', 'internal error');
      if (!isCapstanError(e)) opts.log?.(`internal error on ${req.method} ${req.url?.slice(0, 200)}: ${(e as Error)?.stack ?? String(e)}`);
      // details a client is not told (a library's own message, paths) go to the server log
      else if (e.cause !== undefined) opts.log?.(`${req.method} ${req.url?.slice(0, 200)} answered ${e.httpStatus} (${e.message}): ${(e.cause as Error)?.message ?? String(e.cause)}`);
      send(res, err.httpStatus, errorBody(route, err), err.code === 'UNAVAILABLE' ? { 'retry-after': '1' } : {});
      if (!req.complete) req.resume();
    };
    const respond = (out: ApiResponse) => {
      if (out.stream) {
        res.writeHead(out.status, { 'content-type': 'application/octet-stream', ...out.headers });
        pipeline(out.stream, res).then(release, fail);
        return;
      }
      if (out.json !== undefined) send(res, out.status, out.json, out.headers);
      else if (out.body === undefined) {
        res.writeHead(out.status, out.headers);
        res.end();
      } else send(res, out.status, route!.json === 'python' ? stringifyPythonJson(out.body) : stringifyApiJson(out.body), out.headers);
      release();
    };
    try {
      const rawUrl = req.url ?? '/';
      const method = req.method ?? 'GET';
      const q = rawUrl.indexOf('?');
      const query = q >= 0 ? new URLSearchParams(rawUrl.slice(q + 1)) : NO_QUERY;
      // an unknown route is a 404 and a bad parameter a 400, but parameters are judged only after authentication
      const parts = rawSegments(q >= 0 ? rawUrl.slice(0, q) : rawUrl);
      const found = router.match(method, parts);
      /**
       * The caller's principal (null: missing or invalid token), after the failed-attempt throttle; `then` runs unless the
       * client is throttled. Only routes that need a token come here: the client and the header are read then.
       */
      const identify = (then: (p: Principal | null) => void, refuse: (e: CapstanError) => void) => {
        const client = req.socket.remoteAddress ?? '';
        const wait = throttle.retryAfter(client);
        if (wait > 0) {
          send(res, 429, errorBody(route, new CapstanError('UNAVAILABLE', `too many failed authentications from this client; retry in ${wait} s`)), { 'retry-after': String(wait) });
          if (!req.complete) req.resume();
          return;
        }
        const bearer = /^Bearer ([\x21-\x7e]{1,512})$/.exec(req.headers.authorization ?? '');
        if (!bearer) return then(null);
        opts.authenticate!(bearer[1]).then((p) => {
          if (p === null && throttle.fail(client)) opts.log?.(`authentication: ${client} reached the limit of failed attempts; throttled`);
          then(p);
        }, refuse);
      };
      if (found === null && opts.ui && (method === 'GET' || method === 'HEAD') && sendUiFile(opts.ui, '/' + parts.join('/'), method === 'HEAD', res)) return;
      if (found === null || 'allowed' in found) {
        // the route table is not shown to anonymous callers: without a valid token, every path answers 401
        const answer = () => {
          if (found === null) return fail(new CapstanError('NOT_FOUND', `no route ${method} /${parts.join('/').slice(0, 200)}`));
          send(res, 405, JSON.stringify({ error: { code: 'INVALID_ARGUMENT', message: `method ${method} not allowed here (allowed: ${found.allowed.join(', ')})` } }), { allow: found.allowed.join(', ') });
        };
        if (!opts.authenticate) return answer();
        return identify((p) => (p ? answer() : fail(new CapstanError('UNAUTHENTICATED', NO_TOKEN))), fail);
      }
      const r = (route = found);
      // a browser page of another site may send requests here but not read the answers: a state-changing one is refused
      // unless it comes from this server's own pages (clients other than browsers send no Origin)
      if (method !== 'GET' && method !== 'HEAD' && !sameOrigin(req.headers.origin, req.headers.host)) {
        return fail(new CapstanError('PERMISSION_DENIED', `cross-origin ${method} refused: Origin ${String(req.headers.origin).slice(0, 100)} is not this server (${String(req.headers.host).slice(0, 100)})`));
      }
      if (r.shed) {
        // shed before reading the body: a saturated server answers at once instead of queueing work it cannot finish in time
        if (inFlight >= maxInFlight) {
          send(res, 503, errorBody(r, new CapstanError('UNAVAILABLE', `overloaded: ${inFlight} requests in flight; retry shortly`)), { 'retry-after': '1' });
          req.resume();
          return;
        }
        inFlight++;
        counted = true;
      }
      const handle = (principal: Principal | null) => {
        const params = router.params(r, parts);
        const call = (given: unknown) => {
          const checked = r.check?.(query, given);
          const out = r.handler({ method, path: '/' + parts.join('/'), params, query, q: checked?.q ?? NO_FIELDS, headers: req.headers, body: checked ? checked.body : given, raw: req, principal });
          if (out instanceof Promise) out.then(respond).catch(fail);
          else respond(out);
        };
        if (!r.jsonBody) return call(undefined);
        readJson(req, opts.maxBodyBytes, r.json === 'python', (e, body) => {
          if (e) return fail(e);
          try {
            call(body);
          } catch (err) {
            fail(err);
          }
        });
      };
      if (r.public || !opts.authenticate) return handle(null);
      const refuse = (principal: Principal | null, code: Refusal['code'], reason: string): void => {
        const e = new CapstanError(code, reason);
        if (!opts.refused) return fail(e);
        let params: Record<string, string> | null = null;
        try {
          params = router.params(r, parts);
        } catch {
          // invalid parameters: the refusal is recorded against the route
        }
        Promise.resolve()
          .then(() => opts.refused!({ method, route: r, params, principal, code, reason, client: req.socket.remoteAddress ?? '' }))
          .catch((err: Error) => opts.log?.(`recording a refused request failed: ${err.message}`))
          .then(() => fail(e));
      };
      const authorised = (principal: Principal | null) => {
        if (!principal) refuse(null, 'UNAUTHENTICATED', NO_TOKEN);
        else if (!hasRole(principal, r.role!)) refuse(principal, 'PERMISSION_DENIED', `${req.method} ${r.pattern} needs the ${r.role} role; ${principal.name} has ${principal.role}`);
        else handle(principal);
      };
      identify((p) => {
        try {
          authorised(p);
        } catch (e) {
          fail(e);
        }
      }, fail);
    } catch (e) {
      fail(e);
    }
  });
}
