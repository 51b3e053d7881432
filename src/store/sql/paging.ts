import { nestsDeeperThan } from '../../core/json.ts';
import { invalid } from '../../core/errors.ts';
import type { Page, PageRequest } from '../types.ts';
import type { SqlExecutor, SqlValue } from './driver.ts';

export const MAX_PAGE = 1000;

/** Page size and offset from a request: limit 1..1000 (default 100), cursor an opaque token from a previous page. */
export function pageWindow(req: PageRequest = {}): { limit: number; offset: number } {
  const limit = req.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw invalid(`limit must be an integer from 1 to ${MAX_PAGE}`);
  if (req.cursor === undefined || req.cursor === null || req.cursor === '') return { limit, offset: 0 };
  let offset: unknown;
  try {
    offset = (JSON.parse(Buffer.from(String(req.cursor), 'base64url').toString('utf8')) as { o?: unknown }).o;
  } catch {
    offset = undefined;
  }
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) throw invalid('cursor is not one this server issued (pass back nextCursor unchanged)');
  return { limit, offset };
}

/** Fetch one more row than asked to know whether a next page exists. */
export async function pageOf<R, T>(q: SqlExecutor, sql: string, params: SqlValue[], req: PageRequest | undefined, map: (rows: R[]) => Promise<T[]> | T[]): Promise<Page<T>> {
  const { limit, offset } = pageWindow(req);
  const rows = await q.all<R>(`${sql} LIMIT ? OFFSET ?`, [...params, limit + 1, offset]);
  const more = rows.length > limit;
  const items = await map(more ? rows.slice(0, limit) : rows);
  return { items, nextCursor: more ? Buffer.from(JSON.stringify({ o: offset + limit })).toString('base64url') : null };
}

/** Multi-row INSERT in chunks (one round trip per chunk on PostgreSQL; well under both databases' parameter limits). */
export async function insertMany(q: SqlExecutor, head: string, width: number, rows: SqlValue[][], tail = ''): Promise<void> {
  const chunk = Math.max(1, Math.floor(900 / width));
  const tuple = `(${new Array(width).fill('?').join(', ')})`;
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    await q.run(`${head} VALUES ${part.map(() => tuple).join(', ')} ${tail}`, part.flat());
  }
}

/** JSON text column to value. */
/**
 * A stored JSON column. A value nested past MAX_JSON_DEPTH (only possible in rows written before writes were checked) reads
 * as the fallback, so no record can make its readers fail.
 */
export function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string' || text === '') return fallback;
  if (nestsDeeperThan(text)) return fallback;
  return JSON.parse(text) as T;
}

/** key/value rows grouped by an owner column. */
export function groupKv(rows: { owner: string; key: string; value: unknown }[]): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const r of rows) {
    let m = out.get(r.owner);
    if (!m) out.set(r.owner, (m = {}));
    // a key is data, never a prototype: defined, not assigned
    Object.defineProperty(m, r.key, { value: r.value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}
