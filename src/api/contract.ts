import type { Static, TObject, TProperties, TSchema } from '@sinclair/typebox';
import { patternParams, type PathParams } from './params.ts';

/*
 * One declaration per route: method, path, query, body, responses, who may call it. The server validates requests with it and
 * types its handlers by it, the OpenAPI document is built from it, and the SDK's request and response types are inferred from
 * it. Nothing here does I/O.
 */

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type RoleName = 'viewer' | 'member' | 'approver' | 'admin';
/** Error body shapes: Capstan's `{error: {code, message}}`, the V2 protocol's `{error: "message"}`, MLflow's `{error_code, message}`. */
export type ErrorShape = 'api' | 'v2' | 'mlflow';

/** A response's content: a JSON schema, raw bytes (`stream`), Prometheus text (`text`), or nothing (`null`, e.g. 204). */
export type Content = TSchema | 'stream' | 'text' | null;

export interface Contract {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  /** reachable without a token (health checks only) */
  public?: boolean;
  /** the least role that may call it (required unless public) */
  role?: RoleName;
  /** the query string's fields (values arrive as strings and are converted to the schema's types) */
  query?: TObject;
  /** a JSON body, or `stream` (the handler reads the raw request: uploads) */
  body?: TSchema | 'stream';
  /** the answers by status (2xx and, where they carry a body of their own, others such as readiness's 503) */
  responses: Readonly<Record<number, Content>>;
  /** error statuses beyond those any route may answer (400, 401, 403, 404, 429, 500) */
  errors?: readonly number[];
  errorShape?: ErrorShape;
  /** MLflow's JSON: bare NaN/Infinity tokens in and out */
  json?: 'standard' | 'python';
  /** the body's fields may also come in the query string (MLflow clients send a DELETE's that way) */
  queryFields?: boolean;
  /** counts toward the server's in-flight limit: past it, answered 503 with Retry-After instead of queued (predictions) */
  shed?: boolean;
  /**
   * The handler checks its own input (the inference routes and health, whose speed was measured): the schemas document what
   * they accept, the server does not run them.
   */
  handChecked?: boolean;
}

/** Declare a route (keeps the literal types the SDK and the handlers are typed from; refuses an unknown path parameter). */
export function route<const C extends Contract>(c: C): C {
  patternParams(c.path);
  if (!c.public && !c.role) throw new Error(`route ${c.method} ${c.path} must be public or name a role`);
  return c;
}

type Props<C extends Contract> = C['query'] extends TObject<infer P extends TProperties> ? P : never;

/** The query as a handler receives it (converted and checked). */
export type QueryOf<C extends Contract> = C['query'] extends TObject ? Static<TObject<Props<C>>> : Record<string, never>;
/** The JSON body as a handler receives it (checked), or what an SDK call sends. */
export type BodyOf<C extends Contract> = C['body'] extends TSchema ? Static<C['body']> : undefined;
export type ParamsOf<C extends Contract> = { [K in PathParams<C['path']>]: string };

type Success<C extends Contract> = Extract<keyof C['responses'], 200 | 201 | 202 | 204>;
/** What a successful call answers, as JSON (`void` for a route whose success has no JSON body). */
export type ResultOf<C extends Contract> = C['responses'][Success<C>] extends infer S ? (S extends TSchema ? Static<S> : void) : never;
