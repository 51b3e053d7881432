import { invalid } from '../core/errors.ts';
import { stableHash } from '../core/fnv.ts';
import { checkAlias } from '../core/names.ts';

/** A version by number or by alias (resolved per request, so moving the alias moves the traffic). */
export type VersionPick = { version: number } | { alias: string };

/**
 * How requests to a model's bare name are served: weighted routes (a canary is a small weight), an optional shadow version
 * (sent a copy of every request; its answer is logged, never returned) and an optional header whose value pins a caller to
 * one route (sticky routing).
 */
export interface TrafficSpec {
  routes: (VersionPick & { weight: number })[];
  shadow?: VersionPick;
  stickyHeader?: string;
}

function pick(v: unknown, field: string): VersionPick {
  if (typeof v !== 'object' || v === null) throw invalid(`${field} must be {"version": N} or {"alias": NAME}`);
  const o = v as Record<string, unknown>;
  if (o.version !== undefined && o.alias !== undefined) throw invalid(`${field}: give a version or an alias, not both`);
  if (o.version !== undefined) {
    if (!Number.isInteger(o.version) || (o.version as number) < 1) throw invalid(`${field}.version must be a positive integer`);
    return { version: o.version as number };
  }
  if (typeof o.alias !== 'string') throw invalid(`${field} must name a version or an alias`);
  return { alias: checkAlias(`${field}.alias`, o.alias) };
}

/** A traffic spec from JSON (text or parsed), every field checked; errors name the field. `null` clears a split. */
export function parseTraffic(value: unknown): TrafficSpec {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw invalid('traffic spec is not valid JSON');
    }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid('traffic spec must be an object with "routes"');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['routes', 'shadow', 'stickyHeader'].includes(k)) throw invalid(`traffic spec: unknown field "${k.slice(0, 40)}" (routes, shadow, stickyHeader)`);
  if (!Array.isArray(o.routes) || o.routes.length === 0 || o.routes.length > 10) throw invalid('traffic.routes must be an array of 1 to 10 routes');
  const routes = o.routes.map((r, i) => {
    const w = (r as Record<string, unknown>)?.weight;
    if (!Number.isInteger(w) || (w as number) < 0 || (w as number) > 1_000_000) throw invalid(`traffic.routes[${i}].weight must be an integer from 0 to 1000000`);
    return { ...pick(r, `traffic.routes[${i}]`), weight: w as number };
  });
  if (routes.reduce((a, r) => a + r.weight, 0) === 0) throw invalid('traffic.routes: the weights must not all be 0');
  const spec: TrafficSpec = { routes };
  if (o.shadow !== undefined) spec.shadow = pick(o.shadow, 'traffic.shadow');
  if (o.stickyHeader !== undefined) {
    if (typeof o.stickyHeader !== 'string' || !/^[a-z0-9-]{1,64}$/.test(o.stickyHeader)) throw invalid('traffic.stickyHeader must be a lower-case header name (letters, digits, "-")');
    spec.stickyHeader = o.stickyHeader;
  }
  return spec;
}

/**
 * The route for one request: by a well-mixed hash of its key when it has one (so a key keeps its route while the split is
 * unchanged), else at random, in proportion to the weights.
 */
export function pickRoute(spec: TrafficSpec, key: string | undefined, random: () => number = Math.random): VersionPick {
  const total = spec.routes.reduce((a, r) => a + r.weight, 0);
  let u = key !== undefined && key !== '' ? (stableHash(key) / 2 ** 32) * total : random() * total;
  for (const r of spec.routes) {
    if (u < r.weight) return r;
    u -= r.weight;
  }
  return spec.routes.filter((r) => r.weight > 0).at(-1)!;
}
