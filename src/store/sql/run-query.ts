import type { SqlValue } from './driver.ts';
import type { Comparison, FilterNode, OrderTerm } from '../search/filter.ts';

/*
 * Filter trees and order terms to SQL over `runs r`, every value a bound parameter. The SQL is the same for SQLite and
 * PostgreSQL: NaN metrics are stored as NULL on both (so they never satisfy a comparison), text compares byte-wise on both
 * (PostgreSQL columns use the C collation, SQLite's LIKE is made case-sensitive), NULLs sort last on both.
 */

const COLUMNS: Record<string, string> = {
  status: 'r.status',
  run_name: 'r.name',
  run_id: 'r.id',
  user_id: 'r.user_id',
  experiment_id: 'r.experiment_id',
  start_time: 'r.started_at',
  end_time: 'r.ended_at',
};

const TABLES = { metrics: 'latest_metrics', params: 'params', tags: 'tags' } as const;

/** ASCII-only lower-casing, as both databases do on byte-collated text. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function condition(expr: string, c: Comparison, params: SqlValue[]): string {
  const vals = c.values as SqlValue[];
  switch (c.op) {
    case 'IN':
    case 'NOT IN':
      params.push(...vals);
      return `${expr} ${c.op} (${vals.map(() => '?').join(', ')})`;
    case 'LIKE':
      params.push(vals[0]);
      return `${expr} LIKE ?`;
    case 'ILIKE':
      params.push(asciiLower(String(vals[0])));
      return `LOWER(${expr}) LIKE ?`;
    case 'IS NULL':
      return `${expr} IS NULL`;
    case 'IS NOT NULL':
      return `${expr} IS NOT NULL`;
    case '!=':
      params.push(vals[0]);
      return `${expr} <> ?`;
    default:
      params.push(vals[0]);
      return `${expr} ${c.op} ?`;
  }
}

function comparison(c: Comparison, params: SqlValue[]): string {
  if (c.entity === 'attributes') return condition(COLUMNS[c.key], c, params);
  const table = TABLES[c.entity];
  if (c.op === 'IS NULL' || c.op === 'IS NOT NULL') {
    params.push(c.key);
    const exists = `EXISTS (SELECT 1 FROM ${table} f WHERE f.run_id = r.id AND f.key = ? AND f.value IS NOT NULL)`;
    return c.op === 'IS NULL' ? `NOT ${exists}` : exists;
  }
  params.push(c.key);
  const inner = condition('f.value', c, params);
  return `EXISTS (SELECT 1 FROM ${table} f WHERE f.run_id = r.id AND f.key = ? AND ${inner})`;
}

function conditionSql(node: FilterNode, params: SqlValue[]): string {
  if (node.kind === 'cmp') return comparison(node, params);
  return '(' + node.items.map((n) => conditionSql(n, params)).join(node.kind === 'and' ? ' AND ' : ' OR ') + ')';
}

/** Top-level AND terms a run must satisfy through an existing metric/param/tag row: candidates to drive the query. */
export function drivingCandidates(node: FilterNode): Comparison[] {
  const terms = node.kind === 'and' ? node.items : [node];
  return terms.filter((n): n is Comparison => n.kind === 'cmp' && n.entity !== 'attributes' && ['=', '<', '<=', '>', '>=', 'LIKE', 'ILIKE', 'IN', 'IS NOT NULL'].includes(n.op));
}

/** How many rows match one term, counted up to `cap` (an index range scan of at most `cap` rows). */
export function boundedCountSql(c: Comparison, cap: number): { sql: string; params: SqlValue[] } {
  const params: SqlValue[] = [c.key];
  const cond = c.op === 'IS NOT NULL' ? 'f.value IS NOT NULL' : condition('f.value', c, params);
  params.push(cap);
  return { sql: `SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${TABLES[c.entity as keyof typeof TABLES]} f WHERE f.key = ? AND ${cond} LIMIT ?) x`, params };
}

/**
 * A filter tree as an optional driving JOIN plus a WHERE fragment. The caller picks the driving term (the most selective
 * one, when it is selective): joined on its (key, value) index it makes both databases read only its matching rows. Without
 * one, every comparison is an EXISTS probe and runs are scanned newest first, which stops as soon as a page is full: the
 * fast plan for broad filters. (SQLite's planner cannot tell these cases apart on its own.)
 */
export function filterSql(node: FilterNode, drive: Comparison | null): { joins: string; joinParams: SqlValue[]; where: string; whereParams: SqlValue[] } {
  const terms = node.kind === 'and' ? node.items : [node];
  const joinParams: SqlValue[] = [];
  const whereParams: SqlValue[] = [];
  let joins = '';
  const rest: string[] = [];
  for (const t of terms) {
    if (t === drive) {
      joinParams.push(t.key);
      const cond = t.op === 'IS NOT NULL' ? 'd.value IS NOT NULL' : condition('d.value', t, joinParams);
      joins = `JOIN ${TABLES[t.entity as keyof typeof TABLES]} d ON d.run_id = r.id AND d.key = ? AND ${cond}`;
    } else rest.push(conditionSql(t, whereParams));
  }
  return { joins, joinParams, where: rest.join(' AND '), whereParams };
}
/** ORDER BY terms (NULLs last either way), always ending with the default newest-first order and the id for ties. */
export function orderSql(terms: OrderTerm[], params: SqlValue[]): string {
  const parts: string[] = [];
  for (const t of terms) {
    let expr: string;
    if (t.entity === 'attributes') expr = COLUMNS[t.key];
    else {
      params.push(t.key);
      expr = `(SELECT f.value FROM ${TABLES[t.entity]} f WHERE f.run_id = r.id AND f.key = ?)`;
    }
    // the expression appears twice (null rank, value): bind the key twice
    if (t.entity !== 'attributes') params.push(t.key);
    parts.push(`CASE WHEN ${expr} IS NULL THEN 1 ELSE 0 END`, `${expr} ${t.desc ? 'DESC' : 'ASC'}`);
  }
  parts.push('r.started_at DESC', 'r.id DESC');
  return parts.join(', ');
}
