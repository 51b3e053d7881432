import { notFound } from '../../core/errors.ts';
import type { PredictionStore } from '../metadata-store.ts';
import type { Page, PageRequest, PredictionRecord } from '../types.ts';
import type { Row, SqlDriver } from './driver.ts';
import { insertMany, pageOf, parseJson } from './paging.ts';

/** A prediction record with its features and outputs as JSON text. */
export type SerializedPrediction = Omit<PredictionRecord, 'features' | 'outputs'> & { features: string; outputs: string };

function record(r: Row): PredictionRecord {
  return {
    id: r.id as string,
    model: r.model as string,
    version: r.version as string,
    at: Number(r.at),
    latencyMs: Number(r.latency_ms),
    rows: Number(r.rows),
    features: parseJson(r.features, { columns: [], rows: [] }),
    outputs: parseJson(r.outputs, {}),
    shadow: Number(r.shadow) === 1,
  };
}

export class SqlPredictionStore implements PredictionStore {
  constructor(private readonly db: SqlDriver) {}

  async append(records: PredictionRecord[]): Promise<void> {
    await this.appendSerialized(records.map((p) => ({ ...p, features: JSON.stringify(p.features), outputs: JSON.stringify(p.outputs) })));
  }

  /** The serving fast path: records whose features and outputs are JSON text already (written as given, not re-encoded). */
  async appendSerialized(records: SerializedPrediction[]): Promise<void> {
    if (records.length === 0) return;
    const rows = records.map((p) => [p.id, p.model, p.version, p.at, p.latencyMs, p.rows, p.features, p.outputs, p.shadow ? 1 : 0]);
    await this.db.tx((q) => insertMany(q, 'INSERT INTO predictions (id, model, version, at, latency_ms, rows, features, outputs, shadow)', 9, rows, 'ON CONFLICT (id) DO NOTHING'));
  }

  async get(id: string): Promise<PredictionRecord> {
    const r = await this.db.get<Row>('SELECT * FROM predictions WHERE id = ?', [id]);
    if (!r) throw notFound(`prediction "${id.slice(0, 64)}" not found`);
    return record(r);
  }

  async list(opts: PageRequest & { model?: string; since?: number } = {}): Promise<Page<PredictionRecord>> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (opts.model !== undefined) {
      where.push('model = ?');
      params.push(opts.model);
    }
    if (opts.since !== undefined) {
      where.push('at >= ?');
      params.push(opts.since);
    }
    return pageOf<Row, PredictionRecord>(this.db, `SELECT * FROM predictions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at, id`, params, opts, (rows) => rows.map(record));
  }
}
