import type { IncomingHttpHeaders } from 'node:http';

export interface ApiRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: ApiRequest) => Promise<ApiResponse> | ApiResponse;

export interface RouteOptions {
  /** reachable without a token (health checks only) */
  public?: boolean;
  /** error body shape: Capstan's `{error: {code, message}}` or the V2 protocol's `{error: "message"}` */
  errors?: 'api' | 'v2';
}

export interface Route extends RouteOptions {
  method: string;
  pattern: string;
  segments: string[];
  handler: Handler;
}

/** Tiny exact-segment router: `/v2/models/:name/infer`. Params are URL-decoded once and never touch the filesystem raw. */
export class Router {
  readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler, opts: RouteOptions = {}): this {
    this.routes.push({ method, pattern, segments: pattern.split('/').filter(Boolean), handler, ...opts });
    return this;
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | { allowed: string[] } | null {
    const parts = path.split('/').filter(Boolean);
    const allowed: string[] = [];
    for (const r of this.routes) {
      if (r.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const s = r.segments[i];
        if (s.startsWith(':')) {
          try {
            params[s.slice(1)] = decodeURIComponent(parts[i]);
          } catch {
            ok = false;
          }
        } else ok = s === parts[i];
      }
      if (!ok) continue;
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) return { route: r, params };
      allowed.push(r.method);
    }
    return allowed.length > 0 ? { allowed } : null;
  }
}
