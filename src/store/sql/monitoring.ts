import { invalid, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { checkName } from '../../core/names.ts';
import { appendAudit } from './audit.ts';
import type { MonitorStore } from '../metadata-store.ts';
import type { ActualRecord, Alert, AlertStatus, MonitorWindowRow, PolicyRecord } from '../types.ts';
import type { Row, SqlDriver, SqlValue } from './driver.ts';
import { parseJson } from './paging.ts';

/** Rows per multi-row INSERT (well under either database's parameter limit). */
const CHUNK = 200;

function windowRow(r: Row): MonitorWindowRow {
  return { model: r.model as string, version: r.version as string, start: Number(r.period_start), spanMs: Number(r.period_ms), stats: r.stats as string };
}

function actualRow(r: Row): ActualRecord {
  return {
    predictionId: r.prediction_id as string,
    row: Number(r.row_index),
    model: r.model as string,
    version: r.version as string,
    predictedAt: Number(r.predicted_at),
    actual: parseJson<string | number>(r.actual, ''),
    output: parseJson<number[] | number>(r.output, 0),
    receivedAt: Number(r.received_at),
  };
}

function policyRow(r: Row): PolicyRecord {
  return { model: r.model as string, version: Number(r.version), spec: parseJson(r.spec, {}), createdBy: r.created_by as string, createdAt: Number(r.created_at) };
}

function alertRow(r: Row): Alert {
  return {
    id: r.id as string,
    model: r.model as string,
    rule: r.rule as string,
    status: r.status as AlertStatus,
    value: Number(r.value),
    threshold: Number(r.threshold),
    detail: parseJson(r.detail, {}),
    firedAt: Number(r.fired_at),
    updatedAt: Number(r.updated_at),
    acknowledgedBy: (r.acknowledged_by as string | null) ?? null,
    resolvedAt: r.resolved_at === null || r.resolved_at === undefined ? null : Number(r.resolved_at),
  };
}

/** Alerts are raised by the monitoring loop, which acts as this user in the audit log. */
const MONITOR_ACTOR = 'capstan-monitor';

export class SqlMonitorStore implements MonitorStore {
  constructor(private readonly db: SqlDriver) {}

  async addWindows(rows: MonitorWindowRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) {
      const part = rows.slice(i, i + CHUNK);
      await this.db.run(`INSERT INTO monitor_windows (model, version, period_start, period_ms, stats) VALUES ${part.map(() => '(?, ?, ?, ?, ?)').join(', ')}`, part.flatMap((r) => [r.model, r.version, r.start, r.spanMs, r.stats]));
    }
  }

  async windows(model: string, opts: { since: number; until: number; version?: string }): Promise<MonitorWindowRow[]> {
    const version = opts.version === undefined ? '' : 'AND version = ?';
    const rows = await this.db.all<Row>(`SELECT model, version, period_start, period_ms, stats FROM monitor_windows WHERE model = ? AND period_start >= ? AND period_start < ? ${version} ORDER BY period_start, seq`, [model, opts.since, opts.until, ...(opts.version === undefined ? [] : [opts.version])]);
    return rows.map(windowRow);
  }

  async compact(opts: { fromSpanMs: number; toSpanMs: number; before: number; merge: (stats: string[]) => string; limit?: number }): Promise<number> {
    if (!(opts.toSpanMs > opts.fromSpanMs && opts.toSpanMs % opts.fromSpanMs === 0)) throw invalid('compact: toSpanMs must be a multiple of fromSpanMs');
    const before = Math.floor(opts.before / opts.toSpanMs) * opts.toSpanMs;
    return this.db.tx(async (q) => {
      const rows = await q.all<Row>('SELECT seq, model, version, period_start, period_ms, stats FROM monitor_windows WHERE period_ms = ? AND period_start < ? ORDER BY seq LIMIT ?', [opts.fromSpanMs, before, opts.limit ?? 5000]);
      if (rows.length === 0) return 0;
      const groups = new Map<string, { model: string; version: string; start: number; stats: string[] }>();
      for (const r of rows) {
        const start = Math.floor(Number(r.period_start) / opts.toSpanMs) * opts.toSpanMs;
        const key = `${r.model as string}\u0000${r.version as string}\u0000${start}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { model: r.model as string, version: r.version as string, start, stats: [] }));
        g.stats.push(r.stats as string);
      }
      for (let i = 0; i < rows.length; i += CHUNK) {
        const part = rows.slice(i, i + CHUNK);
        await q.run(`DELETE FROM monitor_windows WHERE seq IN (${part.map(() => '?').join(', ')})`, part.map((r) => Number(r.seq)));
      }
      for (const g of groups.values()) await q.run('INSERT INTO monitor_windows (model, version, period_start, period_ms, stats) VALUES (?, ?, ?, ?, ?)', [g.model, g.version, g.start, opts.toSpanMs, opts.merge(g.stats)]);
      return rows.length;
    });
  }

  async putActuals(records: ActualRecord[]): Promise<{ inserted: number; duplicates: number }> {
    let inserted = 0;
    await this.db.tx(async (q) => {
      for (let i = 0; i < records.length; i += CHUNK) {
        const part = records.slice(i, i + CHUNK);
        const params: SqlValue[] = part.flatMap((r) => [r.predictionId, r.row, r.model, r.version, r.predictedAt, JSON.stringify(r.actual), JSON.stringify(r.output), r.receivedAt]);
        inserted += await q.run(`INSERT INTO actuals (prediction_id, row_index, model, version, predicted_at, actual, output, received_at) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')} ON CONFLICT (prediction_id, row_index) DO NOTHING`, params);
      }
    });
    return { inserted, duplicates: records.length - inserted };
  }

  async actuals(model: string, opts: { since: number; until: number; version?: string }): Promise<ActualRecord[]> {
    const version = opts.version === undefined ? '' : 'AND version = ?';
    const rows = await this.db.all<Row>(`SELECT * FROM actuals WHERE model = ? AND predicted_at >= ? AND predicted_at < ? ${version} ORDER BY predicted_at, prediction_id, row_index`, [model, opts.since, opts.until, ...(opts.version === undefined ? [] : [opts.version])]);
    return rows.map(actualRow);
  }

  async putPolicy(model: string, spec: unknown, actor: string): Promise<PolicyRecord> {
    checkName('model', model);
    return this.db.tx(async (q) => {
      const last = await q.get<Row>('SELECT MAX(version) AS v FROM monitor_policies WHERE model = ?', [model]);
      const version = Number(last?.v ?? 0) + 1;
      const at = Date.now();
      await q.run('INSERT INTO monitor_policies (model, version, spec, created_by, created_at) VALUES (?, ?, ?, ?, ?)', [model, version, JSON.stringify(spec), actor, at]);
      await appendAudit(q, actor, 'policy.apply', `${model}:policy`, { version });
      return { model, version, spec, createdBy: actor, createdAt: at };
    });
  }

  async getPolicy(model: string, version?: number): Promise<PolicyRecord> {
    const r = version === undefined ? await this.db.get<Row>('SELECT * FROM monitor_policies WHERE model = ? ORDER BY version DESC LIMIT 1', [model]) : await this.db.get<Row>('SELECT * FROM monitor_policies WHERE model = ? AND version = ?', [model, version]);
    if (!r) throw notFound(`model "${model.slice(0, 64)}" has no monitoring policy${version === undefined ? '' : ` version ${version}`}`);
    return policyRow(r);
  }

  async listPolicies(): Promise<PolicyRecord[]> {
    return (await this.db.all<Row>('SELECT p.* FROM monitor_policies p WHERE p.version = (SELECT MAX(version) FROM monitor_policies x WHERE x.model = p.model) ORDER BY p.model')).map(policyRow);
  }

  async openAlert(i: { model: string; rule: string; value: number; threshold: number; detail: Record<string, unknown>; at?: number }): Promise<{ alert: Alert; created: boolean }> {
    const at = i.at ?? Date.now();
    return this.db.tx(async (q) => {
      const open = await q.get<Row>("SELECT * FROM alerts WHERE model = ? AND rule = ? AND status <> 'resolved' ORDER BY fired_at DESC LIMIT 1", [i.model, i.rule]);
      if (open) {
        await q.run('UPDATE alerts SET value = ?, detail = ?, updated_at = ? WHERE id = ?', [i.value, JSON.stringify(i.detail), at, open.id as string]);
        return { alert: { ...alertRow(open), value: i.value, detail: i.detail, updatedAt: at }, created: false };
      }
      const id = newId();
      await q.run("INSERT INTO alerts (id, model, rule, status, value, threshold, detail, fired_at, updated_at) VALUES (?, ?, ?, 'firing', ?, ?, ?, ?, ?)", [id, i.model, i.rule, i.value, i.threshold, JSON.stringify(i.detail), at, at]);
      await appendAudit(q, MONITOR_ACTOR, 'alert.firing', `${i.model}:alert:${i.rule}`, { id, value: i.value, threshold: i.threshold });
      return { alert: { id, model: i.model, rule: i.rule, status: 'firing', value: i.value, threshold: i.threshold, detail: i.detail, firedAt: at, updatedAt: at, acknowledgedBy: null, resolvedAt: null }, created: true };
    });
  }

  async resolveAlert(model: string, rule: string, value: number, at = Date.now()): Promise<Alert | null> {
    return this.db.tx(async (q) => {
      const open = await q.get<Row>("SELECT * FROM alerts WHERE model = ? AND rule = ? AND status <> 'resolved' ORDER BY fired_at DESC LIMIT 1", [model, rule]);
      if (!open) return null;
      await q.run("UPDATE alerts SET status = 'resolved', value = ?, updated_at = ?, resolved_at = ? WHERE id = ?", [value, at, at, open.id as string]);
      await appendAudit(q, MONITOR_ACTOR, 'alert.resolved', `${model}:alert:${rule}`, { id: open.id, value });
      return { ...alertRow(open), status: 'resolved' as const, value, updatedAt: at, resolvedAt: at };
    });
  }

  async acknowledgeAlert(id: string, actor: string): Promise<Alert> {
    return this.db.tx(async (q) => {
      const r = await q.get<Row>('SELECT * FROM alerts WHERE id = ?', [id]);
      if (!r) throw notFound(`alert "${id.slice(0, 64)}" not found`);
      const a = alertRow(r);
      if (a.status === 'resolved') throw invalid(`alert ${id} is already resolved`);
      if (a.status === 'acknowledged') return a;
      const at = Date.now();
      await q.run("UPDATE alerts SET status = 'acknowledged', acknowledged_by = ?, updated_at = ? WHERE id = ?", [actor, at, id]);
      await appendAudit(q, actor, 'alert.acknowledged', `${a.model}:alert:${a.rule}`, { id });
      return { ...a, status: 'acknowledged', acknowledgedBy: actor, updatedAt: at };
    });
  }

  async listAlerts(opts: { model?: string; status?: AlertStatus } = {}): Promise<Alert[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (opts.model !== undefined) {
      where.push('model = ?');
      params.push(opts.model);
    }
    if (opts.status !== undefined) {
      where.push('status = ?');
      params.push(opts.status);
    }
    return (await this.db.all<Row>(`SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY fired_at DESC, id DESC LIMIT 1000`, params)).map(alertRow);
  }
}
