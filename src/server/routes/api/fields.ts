import { invalid } from '../../../core/errors.ts';
import type { PageRequest, Principal } from '../../../store/index.ts';
import type { ApiRequest } from '../../router.ts';

/* Reading request fields with errors that name the field and say what was expected. */

export function bodyObject(req: ApiRequest): Record<string, unknown> {
  if (req.body === undefined) return {};
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) throw invalid('request body must be a JSON object');
  return req.body as Record<string, unknown>;
}

export function optString(o: Record<string, unknown>, field: string): string | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${field} must be a string`);
  return v;
}

export function reqString(o: Record<string, unknown>, field: string): string {
  const v = optString(o, field);
  if (v === undefined || v === '') throw invalid(`${field} is required (a string)`);
  return v;
}

/** An integer given as a number or a decimal string (MLflow sends int64 as either). */
export function optInt(o: Record<string, unknown>, field: string, min = Number.MIN_SAFE_INTEGER): number | undefined {
  const v = o[field];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'string' && /^-?\d{1,16}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) throw invalid(`${field} must be an integer${min > Number.MIN_SAFE_INTEGER ? ` >= ${min}` : ''}`);
  return n;
}

export function reqInt(o: Record<string, unknown>, field: string, min?: number): number {
  const v = optInt(o, field, min);
  if (v === undefined) throw invalid(`${field} is required (an integer)`);
  return v;
}

export function stringMap(v: unknown, field: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(`${field} must be an object of strings`);
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') throw invalid(`${field}.${k} must be a string`);
  return v as Record<string, string>;
}

export function queryObject(req: ApiRequest): Record<string, unknown> {
  return Object.fromEntries(req.query.entries());
}

/** `limit` and `cursor` from the query string. */
export function pageOfQuery(req: ApiRequest): PageRequest {
  const q = queryObject(req);
  return { limit: optInt(q, 'limit', 1), cursor: optString(q, 'cursor') ?? null };
}

export function actor(req: ApiRequest): string {
  return req.principal?.name ?? 'anonymous';
}

/** Who is calling, for the store's governance rules (a server without authentication has no roles to grant). */
export function principal(req: ApiRequest): Principal {
  return req.principal ?? { name: 'anonymous', role: 'viewer' };
}
