import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { invalid } from '../core/errors.ts';
import { checkAlias, checkId, checkKey, checkName, checkPath } from '../core/names.ts';
import type { Principal, Role } from '../store/index.ts';

export interface ApiRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** parsed JSON (routes with `body: 'json'`) */
  body: unknown;
  /** the raw request, for streaming bodies (routes with `body: 'stream'`) */
  raw: IncomingMessage;
  /** who is calling (null only on public routes and on servers without auth) */
  principal: Principal | null;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** a streamed body instead of JSON */
  stream?: Readable;
  /** the body as JSON text already (the prediction hot path serialises once for the answer and the log) */
  json?: string;
}

export type Handler = (req: ApiRequest) => Promise<ApiResponse> | ApiResponse;

/** Error body shapes: Capstan's `{error: {code, message}}`, the V2 protocol's `{error: "message"}`, MLflow's `{error_code, message}`. */
export type ErrorShape = 'api' | 'v2' | 'mlflow';

export interface RouteOptions {
  /** reachable without a token (health checks only) */
  public?: boolean;
  /** the least role that may call it (required unless public) */
  role?: Role;
  errors?: ErrorShape;
  /** `json` (default for POST/PUT/PATCH/DELETE), `stream` (handler reads `raw`), `none` */
  body?: 'json' | 'stream' | 'none';
  /** MLflow's JSON: bare NaN/Infinity tokens in and out */
  json?: 'standard' | 'python';
  summary?: string;
  tag?: string;
  /** counts toward the server's in-flight limit: past it, answered 503 with Retry-After instead of queued (predictions) */
  shed?: boolean;
  /**
   * A governed change: the audit action and entity its refusals are recorded under when the server refuses the request itself
   * (a missing role), the same names the store uses for refusals of its own rules.
   */
  audit?: { action: string; entity: (params: Record<string, string>) => string };
}

export interface Route extends RouteOptions {
  method: string;
  pattern: string;
  segments: string[];
  handler: Handler;
}

/**
 * Every path parameter is validated by its name before a handler sees it, so a new route cannot forget to: names of models and
 * datasets, aliases, ids, versions, keys, and `*path` for artifact paths (the rest of the URL).
 */
const PARAM_CHECKS: Record<string, (field: string, v: string) => string> = {
  name: checkName,
  alias: checkAlias,
  runId: checkId,
  experimentId: checkId,
  // ours are hex ids; other servers may log with their own request ids
  predictionId: (field, v) => {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(v)) throw invalid(`${field} must be 1 to 64 letters, digits, "_" or "-"`);
    return v;
  },
  key: checkKey,
  tokenName: checkName,
  version: (field, v) => {
    if (!/^[1-9][0-9]{0,8}$/.test(v)) throw invalid(`${field} must be a positive integer`);
    return v;
  },
  path: checkPath,
};

/** Paths whose route is remembered (see Router.resolve). */
const RECENT_PATHS = 256;

/** Tiny exact-segment router: `/v2/models/:name/infer`, with a trailing `*path` capturing the rest. */
export class Router {
  readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler, opts: RouteOptions = {}): this {
    const segments = pattern.split('/').filter(Boolean);
    for (const s of segments) {
      const p = s.startsWith(':') || s.startsWith('*') ? s.slice(1) : null;
      if (p !== null && !PARAM_CHECKS[p]) throw new Error(`route ${pattern}: parameter "${p}" has no validation rule`);
    }
    if (!opts.public && !opts.role) throw new Error(`route ${method} ${pattern} must be public or name a role`);
    this.routes.push({ method, pattern, segments, handler, ...opts });
    this.recent.clear();
    return this;
  }

  /** what `resolve` found for the method and paths seen last, by "METHOD path" (requests mostly repeat a few) */
  private readonly recent = new Map<string, { parts: string[]; found: Route | { allowed: string[] } | null }>();

  /**
   * The raw path's segments (split and checked by `split`, which throws on a path it refuses) and what `match` finds for
   * them, remembered for recent paths: the same for the same method and path while the routes stay as they are. The
   * segments are shared: callers only read them.
   */
  resolve(method: string, path: string, split: (path: string) => string[]): { parts: string[]; found: Route | { allowed: string[] } | null } {
    const key = method + ' ' + path;
    let r = this.recent.get(key);
    if (r === undefined) {
      const parts = split(path);
      r = { parts, found: this.match(method, parts) };
      // paths name models, runs and artifacts: the memory stays bounded however many a server sees
      if (this.recent.size >= RECENT_PATHS) this.recent.clear();
      this.recent.set(key, r);
    }
    return r;
  }

  /** The route whose shape fits the raw (still percent-encoded) segments, or the methods allowed there, or null. */
  match(method: string, parts: string[]): Route | { allowed: string[] } | null {
    const allowed: string[] = [];
    for (const r of this.routes) {
      const tail = r.segments.length > 0 && r.segments[r.segments.length - 1].startsWith('*');
      if (tail ? parts.length < r.segments.length : r.segments.length !== parts.length) continue;
      if (!r.segments.every((s, i) => s.startsWith(':') || s.startsWith('*') || s === parts[i])) continue;
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) return r;
      allowed.push(r.method);
    }
    return allowed.length > 0 ? { allowed } : null;
  }

  /** A matched route's parameters: each decoded once and validated by its rule (after authentication). */
  params(route: Route, parts: string[]): Record<string, string> {
    const params: Record<string, string> = {};
    route.segments.forEach((s, i) => {
      const name = s.slice(1);
      if (s.startsWith(':')) params[name] = PARAM_CHECKS[name](name, decodeSegment(parts[i]));
      else if (s.startsWith('*')) params[name] = PARAM_CHECKS[name](name, parts.slice(i).map(decodeSegment).join('/'));
    });
    return params;
  }
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw invalid('the URL path has a malformed %-escape');
  }
}
