import { invalid } from '../../core/errors.ts';
import type { MonitorStore } from '../metadata-store.ts';
import type { ActualRecord, MonitorWindowRow } from '../types.ts';
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
}
