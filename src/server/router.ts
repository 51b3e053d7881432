import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Static, TSchema } from '@sinclair/typebox';
import { invalid } from '../core/errors.ts';
import { PATH_PARAMS, type BodyOf, type Contract, type ErrorShape, type ParamsOf, type QueryOf } from '../api/index.ts';
import type { Principal } from '../store/index.ts';
import { Validators } from './validate.ts';

export type { ErrorShape };

export interface ApiRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  /** the raw query string */
  query: URLSearchParams;
  /** the query's declared fields, converted to their types and checked (routes the server checks) */
  q: unknown;
  headers: IncomingHttpHeaders;
  /** parsed JSON (checked against the route's schema, unless the route checks its own) */
  body: unknown;
  /** the raw request, for routes that stream their body (null only where the body was read whole: see HttpServer) */
  raw: IncomingMessage | null;
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

/** A request as a route's handler sees it: parameters, query and body typed by its declaration. */
export interface Req<C extends Contract> extends Omit<ApiRequest, 'params' | 'q' | 'body'> {
  params: ParamsOf<C>;
  q: QueryOf<C>;
  body: BodyOf<C>;
}

type Extra = { headers?: Record<string, string> };
/** An answer a route declares: its JSON body typed by the schema of its status, a stream for raw content, nothing for 204. */
export type Res<C extends Contract> = {
  [S in keyof C['responses'] & number]: C['responses'][S] extends TSchema
    ? { status: S; body: Static<C['responses'][S]> } & Extra
    : C['responses'][S] extends 'stream' | 'text'
      ? { status: S; stream: Readable } & Extra
      : { status: S } & Extra;
}[keyof C['responses'] & number];

export type Handler = (req: ApiRequest) => Promise<ApiResponse> | ApiResponse;
/** Routes that check their own input answer in any shape (the hot path hands over JSON text); the others as declared. */
export type TypedHandler<C extends Contract> = C extends { handChecked: true } ? (req: Req<C>) => Promise<ApiResponse> | ApiResponse : (req: Req<C>) => Promise<Res<C>> | Res<C>;

export interface BindOptions {
  /**
   * A governed change: the audit action and entity its refusals are recorded under when the server refuses the request itself
   * (a missing role), the same names the store uses for refusals of its own rules.
   */
  audit?: { action: string; entity: (params: Record<string, string>) => string };
}

export interface Route extends BindOptions {
  contract: Contract;
  method: string;
  pattern: string;
  segments: string[];
  handler: Handler;
  public: boolean;
  role: Contract['role'];
  errors: ErrorShape;
  json: 'standard' | 'python';
  shed: boolean;
  /** read the body as JSON (else a stream the handler reads, or none) */
  jsonBody: boolean;
  /** the query and body converted and checked, or an INVALID_ARGUMENT naming the field; null where the handler checks them */
  check: ((query: URLSearchParams, body: unknown) => { q: unknown; body: unknown }) | null;
}

interface Node {
  fixed: Map<string, Node>;
  param: Node | null;
  /** routes ending here, by method */
  routes: Map<string, Route>;
  /** routes whose last segment (`*path`) takes the rest of the path from here on, by method */
  rest: Map<string, Route>;
}

const node = (): Node => ({ fixed: new Map(), param: null, routes: new Map(), rest: new Map() });
export type Found = Route | { allowed: string[] } | null;

/**
 * The route table: a tree of path segments (fixed segments before parameters, `*path` taking the rest), so a request is
 * matched in as many steps as its path has segments. Routes are added from their declarations (src/api/).
 */
export class Router {
  readonly routes: Route[] = [];
  private readonly root = node();
  private readonly validators = new Validators();

  /** Serve a declared route with a handler typed by its declaration. */
  on<C extends Contract>(contract: C, handler: TypedHandler<C>, opts: BindOptions = {}): this {
    const segments = contract.path.split('/').filter(Boolean);
    let at = this.root;
    for (const [i, s] of segments.entries()) {
      if (s.startsWith('*')) {
        if (i !== segments.length - 1) throw new Error(`route ${contract.path}: ${s} must be the last segment`);
        break;
      }
      if (s.startsWith(':')) at = at.param ??= node();
      else {
        let next = at.fixed.get(s);
        if (!next) at.fixed.set(s, (next = node()));
        at = next;
      }
    }
    const table = segments.at(-1)?.startsWith('*') ? at.rest : at.routes;
    if (table.has(contract.method)) throw new Error(`route ${contract.method} ${contract.path} is declared twice`);
    const r: Route = {
      contract,
      method: contract.method,
      pattern: contract.path,
      segments,
      handler: handler as unknown as Handler,
      public: contract.public === true,
      role: contract.role,
      errors: contract.errorShape ?? 'api',
      json: contract.json ?? 'standard',
      shed: contract.shed === true,
      jsonBody: contract.body !== undefined && contract.body !== 'stream',
      check: contract.handChecked ? null : this.validators.forRoute(contract),
      ...opts,
    };
    table.set(contract.method, r);
    this.routes.push(r);
    return this;
  }

  /** The route whose shape fits the raw (still percent-encoded) segments, or the methods allowed there, or null. */
  match(method: string, parts: string[]): Found {
    const allowed = new Set<string>();
    const pick = (table: Map<string, Route>): Route | null => {
      const r = table.get(method) ?? (method === 'HEAD' ? table.get('GET') : undefined);
      if (r) return r;
      for (const m of table.keys()) allowed.add(m);
      return null;
    };
    const walk = (at: Node, i: number): Route | null => {
      if (i === parts.length) return pick(at.routes);
      const fixed = at.fixed.get(parts[i]);
      return (fixed && walk(fixed, i + 1)) || (at.param && walk(at.param, i + 1)) || (at.rest.size > 0 ? pick(at.rest) : null);
    };
    const found = walk(this.root, 0);
    return found ?? (allowed.size > 0 ? { allowed: [...allowed] } : null);
  }

  /** A matched route's parameters: each decoded once and validated by its rule (after authentication). */
  params(route: Route, parts: string[]): Record<string, string> {
    const params: Record<string, string> = {};
    route.segments.forEach((s, i) => {
      const name = s.slice(1);
      if (s.startsWith(':')) params[name] = PATH_PARAMS[name].check(name, decodeSegment(parts[i]));
      else if (s.startsWith('*')) params[name] = PATH_PARAMS[name].check(name, parts.slice(i).map(decodeSegment).join('/'));
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
