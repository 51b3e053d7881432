import { Server, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { CapstanError, isCapstanError, type ErrorCode } from '../core/errors.ts';
import { decodeFully } from '../core/names.ts';
import { hasRole, type Principal } from '../store/index.ts';
import { MAX_JSON_DEPTH, nestsDeeperThan, parsePythonJson, stringifyApiJson, stringifyPythonJson } from '../core/json.ts';
import type { ApiResponse, Route, Router } from './router.ts';
import { AuthThrottle } from './throttle.ts';
import type { UiFiles } from './static-ui.ts';
import { NodeExchange, type Exchange } from './exchange.ts';
import { LeanReader, type Target } from './lean-http.ts';

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
  /** prediction requests read by the lean reader (lean-http.ts) rather than node's HTTP parser; default true */
  lean?: boolean;
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

function errorBody(route: Route | undefined, e: CapstanError): string {
  if (route?.errors === 'v2') return JSON.stringify({ error: e.message });
  if (route?.errors === 'mlflow') return JSON.stringify({ error_code: MLFLOW_CODES[e.code], message: e.message });
  return JSON.stringify({ error: { code: e.code, message: e.message } });
}

/** The JSON body, or undefined when there is none; `done` is called once (at once for an oversized declared length). */
function readJson(ex: Exchange, limit: number, python: boolean, done: (e: unknown, body: unknown) => void): void {
  const declared = Number(ex.headers['content-length'] ?? 0);
  if (declared > limit) return done(new CapstanError('PAYLOAD_TOO_LARGE', `request body is ${declared} bytes; the limit is ${limit}`), undefined);
  ex.body(limit, (e, buf) => {
    if (e) return done(e, undefined);
    if (buf === null) return done(null, undefined);
    // refused before parsing: a deeply nested body would be stored, then fail every reader's serialisation
    if (nestsDeeperThan(buf)) return done(new CapstanError('INVALID_ARGUMENT', `request body nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`), undefined);
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

/** Where a request goes: its path's raw segments and the route (or the methods allowed there). Throws for a refused path. */
function targetOf(router: Router, method: string, rawUrl: string): Target {
  const q = rawUrl.indexOf('?');
  const parts = rawSegments(q >= 0 ? rawUrl.slice(0, q) : rawUrl);
  return { parts, found: router.match(method, parts), query: q >= 0 ? rawUrl.slice(q + 1) : null };
}

/**
 * The request handler, whichever reader parsed the request: routing, authentication and roles, JSON bodies with a size limit,
 * and one mapping from CapstanError codes to statuses. Anything unexpected becomes a 500 without internals in the body
 * (logged instead). A request whose steps all finish at once (no token to look up, a handler that answers synchronously) is
 * answered without a promise turn. `target`: where the request goes, when the reader has already found it.
 */
function requestHandler(router: Router, opts: HttpOptions): (ex: Exchange, target?: Target) => void {
  const maxInFlight = opts.maxInFlight ?? 1024;
  const throttle = opts.throttle ?? new AuthThrottle();
  let inFlight = 0;
  return (ex, known) => {
    let route: Route | undefined;
    let counted = false;
    const release = () => {
      if (counted) inFlight--;
      counted = false;
    };
    const fail = (e: unknown) => {
      release();
      if (ex.sent) {
        ex.destroy();
        return;
      }
      const err = isCapstanError(e) ? e : new CapstanError('INTERNAL', 'internal error');
      if (!isCapstanError(e)) opts.log?.(`internal error on ${ex.method} ${ex.url.slice(0, 200)}: ${(e as Error)?.stack ?? String(e)}`);
      // details a client is not told (a library's own message, paths) go to the server log
      else if (e.cause !== undefined) opts.log?.(`${ex.method} ${ex.url.slice(0, 200)} answered ${e.httpStatus} (${e.message}): ${(e.cause as Error)?.message ?? String(e.cause)}`);
      ex.send(err.httpStatus, errorBody(route, err), err.code === 'UNAVAILABLE' ? { 'retry-after': '1' } : undefined);
      ex.discard();
    };
    const respond = (out: ApiResponse) => {
      if (out.stream) {
        ex.stream(out.status, out.headers, out.stream).then(release, fail);
        return;
      }
      if (out.json !== undefined) ex.send(out.status, out.json, out.headers);
      else if (out.body === undefined) ex.send(out.status, null, out.headers);
      else ex.send(out.status, route!.json === 'python' ? stringifyPythonJson(out.body) : stringifyApiJson(out.body), out.headers);
      release();
    };
    try {
      const method = ex.method;
      // an unknown route is a 404 and a bad parameter a 400, but parameters are judged only after authentication
      const { parts, found, query: rawQuery } = known ?? targetOf(router, method, ex.url);
      const query = rawQuery === null ? NO_QUERY : new URLSearchParams(rawQuery);
      /**
       * The caller's principal (null: missing or invalid token), after the failed-attempt throttle; `then` runs unless the
       * client is throttled. Only routes that need a token come here: the client and the header are read then.
       */
      const identify = (then: (p: Principal | null) => void, refuse: (e: CapstanError) => void) => {
        const client = ex.client;
        const wait = throttle.retryAfter(client);
        if (wait > 0) {
          ex.send(429, errorBody(route, new CapstanError('UNAVAILABLE', `too many failed authentications from this client; retry in ${wait} s`)), { 'retry-after': String(wait) });
          ex.discard();
          return;
        }
        const bearer = /^Bearer ([\x21-\x7e]{1,512})$/.exec(ex.headers.authorization ?? '');
        if (!bearer) return then(null);
        opts.authenticate!(bearer[1]).then((p) => {
          if (p === null && throttle.fail(client)) opts.log?.(`authentication: ${client} reached the limit of failed attempts; throttled`);
          then(p);
        }, refuse);
      };
      if (found === null && opts.ui && (method === 'GET' || method === 'HEAD') && ex.uiFile(opts.ui, '/' + parts.join('/'), method === 'HEAD')) return;
      if (found === null || 'allowed' in found) {
        // the route table is not shown to anonymous callers: without a valid token, every path answers 401
        const answer = () => {
          if (found === null) return fail(new CapstanError('NOT_FOUND', `no route ${method} /${parts.join('/').slice(0, 200)}`));
          ex.send(405, JSON.stringify({ error: { code: 'INVALID_ARGUMENT', message: `method ${method} not allowed here (allowed: ${found.allowed.join(', ')})` } }), { allow: found.allowed.join(', ') });
        };
        if (!opts.authenticate) return answer();
        return identify((p) => (p ? answer() : fail(new CapstanError('UNAUTHENTICATED', NO_TOKEN))), fail);
      }
      const r = (route = found);
      // a browser page of another site may send requests here but not read the answers: a state-changing one is refused
      // unless it comes from this server's own pages (clients other than browsers send no Origin)
      if (method !== 'GET' && method !== 'HEAD' && !sameOrigin(ex.headers.origin, ex.headers.host)) {
        return fail(new CapstanError('PERMISSION_DENIED', `cross-origin ${method} refused: Origin ${String(ex.headers.origin).slice(0, 100)} is not this server (${String(ex.headers.host).slice(0, 100)})`));
      }
      if (r.shed) {
        // shed before reading the body: a saturated server answers at once instead of queueing work it cannot finish in time
        if (inFlight >= maxInFlight) {
          ex.send(503, errorBody(r, new CapstanError('UNAVAILABLE', `overloaded: ${inFlight} requests in flight; retry shortly`)), { 'retry-after': '1' });
          ex.discard();
          return;
        }
        inFlight++;
        counted = true;
      }
      const handle = (principal: Principal | null) => {
        const params = router.params(r, parts);
        const call = (given: unknown) => {
          const checked = r.check?.(query, given);
          const out = r.handler({ method, path: '/' + parts.join('/'), params, query, q: checked?.q ?? NO_FIELDS, headers: ex.headers, body: checked ? checked.body : given, raw: ex.raw, principal });
          if (out instanceof Promise) out.then(respond).catch(fail);
          else respond(out);
        };
        if (!r.jsonBody) return call(undefined);
        readJson(ex, opts.maxBodyBytes, r.json === 'python', (e, body) => {
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
          .then(() => opts.refused!({ method, route: r, params, principal, code, reason, client: ex.client }))
          .catch((err: Error) => opts.log?.(`recording a refused request failed: ${err.message}`))
          .then(() => fail(e));
      };
      const authorised = (principal: Principal | null) => {
        if (!principal) refuse(null, 'UNAUTHENTICATED', NO_TOKEN);
        else if (!hasRole(principal, r.role!)) refuse(principal, 'PERMISSION_DENIED', `${method} ${r.pattern} needs the ${r.role} role; ${principal.name} has ${principal.role}`);
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
  };
}

/**
 * Capstan's HTTP server: node's, with prediction requests read by the lean reader (lean-http.ts), which hands a connection
 * to node's parser at its first request it does not take. Its connection methods cover both kinds of connection.
 */
export class HttpServer extends Server {
  private readonly lean: LeanReader | null;

  constructor(router: Router, opts: HttpOptions) {
    const handle = requestHandler(router, opts);
    super((req: IncomingMessage, res: ServerResponse) => handle(new NodeExchange(req, res)));
    if (opts.lean === false) {
      this.lean = null;
      return;
    }
    // node's own connection listener (added by its constructor) gets the connections the lean reader hands over
    const [nodeListener] = this.listeners('connection') as ((s: Socket) => void)[];
    this.off('connection', nodeListener);
    const lean = (this.lean = new LeanReader(this, {
      accept: (method, url) => {
        if (method !== 'POST') return null;
        try {
          const t = targetOf(router, method, url);
          // prediction routes only: JSON bodies, answers that are not streamed
          return t.found !== null && !('allowed' in t.found) && t.found.shed && t.found.jsonBody ? t : null;
        } catch {
          return null;
        }
      },
      handle,
      handOff: (socket) => nodeListener.call(this, socket),
    }));
    this.on('connection', (socket: Socket) => lean.take(socket));
  }

  override closeIdleConnections(): void {
    super.closeIdleConnections();
    this.lean?.closeIdle();
  }

  override closeAllConnections(): void {
    super.closeAllConnections();
    this.lean?.closeAll();
  }

  /** Every answer from now on (either reader's) asks its client to close the connection. */
  stopKeepAlive(): void {
    // set before the app's handler runs: it may answer at once, and a header cannot be set on a response already sent
    this.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => res.setHeader('connection', 'close'));
    this.lean?.stopKeepAlive();
  }
}

/** The HTTP server over `router` (not yet listening). */
export function createHttpServer(router: Router, opts: HttpOptions): HttpServer {
  return new HttpServer(router, opts);
}
