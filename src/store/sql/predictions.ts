import { notFound } from '../../core/errors.ts';
import type { PredictionStore } from '../metadata-store.ts';
import type { Page, PageRequest, PredictionRecord } from '../types.ts';
import type { Row, SqlDriver } from './driver.ts';
import { insertMany, pageOf, parseJson } from './paging.ts';

/**
 * A prediction record as JSON text: `columns` the feature names (a JSON array), `features` the rows only (a JSON array of
 * arrays), `outputs` the response body.
 */
export type SerializedPrediction = Omit<PredictionRecord, 'features' | 'outputs'> & { columns: string; features: string; outputs: string };

/** Every column of a record, its column list's names beside it. */
const SELECT = 'SELECT p.*, c.names AS column_names FROM predictions p LEFT JOIN prediction_columns c ON c.id = p.columns_id';

function record(r: Row): PredictionRecord {
  // records written before column lists were stored apart hold { columns, rows } in `features`
  const features = r.column_names === null || r.column_names === undefined ? parseJson(r.features, { columns: [], rows: [] }) : { columns: parseJson<string[]>(r.column_names, []), rows: parseJson<unknown[][]>(r.features, []) };
  return {
    id: r.id as string,
    model: r.model as string,
    version: r.version as string,
    at: Number(r.at),
    latencyMs: Number(r.latency_ms),
    rows: Number(r.rows),
    features: features as PredictionRecord['features'],
    outputs: parseJson(r.outputs, {}),
    shadow: Number(r.shadow) === 1,
  };
}

export class SqlPredictionStore implements PredictionStore {
  /** column-list ids by their names' JSON (a served model has one list; bounded anyway) */
  private readonly columnIds = new Map<string, number>();

  constructor(private readonly db: SqlDriver) {}

  async append(records: PredictionRecord[]): Promise<void> {
    await this.appendSerialized(records.map((p) => ({ ...p, columns: JSON.stringify(p.features.columns), features: JSON.stringify(p.features.rows), outputs: JSON.stringify(p.outputs) })));
  }

  /** The serving fast path: records whose features and outputs are JSON text already (written as given, not re-encoded). */
  async appendSerialized(records: SerializedPrediction[]): Promise<void> {
    if (records.length === 0) return;
    const ids = await this.db.tx(async (q) => {
      const found = new Map<string, number>();
      for (const names of new Set(records.map((p) => p.columns))) {
        let id = this.columnIds.get(names);
        if (id === undefined) {
          await q.run('INSERT INTO prediction_columns (names) VALUES (?) ON CONFLICT (names) DO NOTHING', [names]);
          id = Number((await q.get<{ id: number }>('SELECT id FROM prediction_columns WHERE names = ?', [names]))!.id);
        }
        found.set(names, id);
      }
      const rows = records.map((p) => [p.id, p.model, p.version, p.at, p.latencyMs, p.rows, p.features, p.outputs, p.shadow ? 1 : 0, found.get(p.columns)!]);
      await insertMany(q, 'INSERT INTO predictions (id, model, version, at, latency_ms, rows, features, outputs, shadow, columns_id)', 10, rows, 'ON CONFLICT (id) DO NOTHING');
      return found;
    });
    // remembered once the rows holding the lists have committed
    if (this.columnIds.size > 10_000) this.columnIds.clear();
    for (const [names, id] of ids) this.columnIds.set(names, id);
  }

  async get(id: string): Promise<PredictionRecord> {
    const r = await this.db.get<Row>(`${SELECT} WHERE p.id = ?`, [id]);
    if (!r) throw notFound(`prediction "${id.slice(0, 64)}" not found`);
    return record(r);
  }

  async list(opts: PageRequest & { model?: string; since?: number } = {}): Promise<Page<PredictionRecord>> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (opts.model !== undefined) {
      where.push('p.model = ?');
      params.push(opts.model);
    }
    if (opts.since !== undefined) {
      where.push('p.at >= ?');
      params.push(opts.since);
    }
    return pageOf<Row, PredictionRecord>(this.db, `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY p.at, p.id`, params, opts, (rows) => rows.map(record));
  }
}
