import type { AuditStore } from '../metadata-store.ts';
import type { AuditEvent, Page, PageRequest } from '../types.ts';
import type { Row, SqlDriver, SqlExecutor } from './driver.ts';
import { pageOf, parseJson } from './paging.ts';

/** Append one audit event; call inside the transaction that makes the change, so both land or neither does. */
export async function appendAudit(q: SqlExecutor, actor: string, action: string, entity: string, detail: unknown): Promise<void> {
  await q.run('INSERT INTO audit_events (at, actor, action, entity, detail) VALUES (?, ?, ?, ?, ?)', [Date.now(), actor, action, entity, JSON.stringify(detail ?? {})]);
}

export class SqlAuditStore implements AuditStore {
  constructor(private readonly db: SqlDriver) {}

  async record(event: { actor: string; action: string; entity: string; detail: unknown }): Promise<void> {
    await this.db.tx((q) => appendAudit(q, event.actor, event.action, event.entity, event.detail));
  }

  async list(opts: PageRequest & { entity?: string } = {}): Promise<Page<AuditEvent>> {
    const params: (string | number)[] = [];
    let where = '';
    if (opts.entity) {
      const e = opts.entity;
      where = 'WHERE entity = ? OR SUBSTR(entity, 1, ?) IN (?, ?)';
      params.push(e, e.length + 1, `${e}:`, `${e}@`);
    }
    return pageOf<Row, AuditEvent>(this.db, `SELECT * FROM audit_events ${where} ORDER BY id`, params, opts, (rows) =>
      rows.map((r) => ({ id: r.id as number, at: r.at as number, actor: r.actor as string, action: r.action as string, entity: r.entity as string, detail: parseJson(r.detail, {}) })),
    );
  }
}
