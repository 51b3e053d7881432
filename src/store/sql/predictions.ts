import { notFound } from '../../core/errors.ts';
import type { PredictionStore } from '../metadata-store.ts';
import type { Page, PageRequest, PredictionRecord } from '../types.ts';
import type { Row, SqlDriver, SqlExecutor } from './driver.ts';
import { pageWindow, parseJson } from './paging.ts';

/**
 * A prediction record as JSON text: `columns` the feature names (a JSON array), `features` the rows only (a JSON array of
 * arrays), `outputs` the response body.
 */
export type SerializedPrediction = Omit<PredictionRecord, 'features' | 'outputs'> & { columns: string; features: string; outputs: string };

/**
 * The log is kept in batches: one row per batch of one model's records, the records as one JSON document
 * `{ columns: [names...], records: [[id, version, at, latencyMs, rows, columns index, rows of values, outputs, shadow]...] }`
 * (a column list once per batch). Batches are found by time (first_at) and by id range (min_id..max_id). Records written
 * before batches (one row each in `predictions`) read back beside them.
 */
type Tuple = [string, string, number, number, number, number, PredictionRecord['features']['rows'], Record<string, unknown>, number];

function batchText(records: SerializedPrediction[]): string {
  const lists = new Map<string, number>();
  const parts = records.map((r) => {
    let c = lists.get(r.columns);
    if (c === undefined) lists.set(r.columns, (c = lists.size));
    return `[${JSON.stringify(r.id)},${JSON.stringify(r.version)},${JSON.stringify(r.at)},${JSON.stringify(r.latencyMs)},${JSON.stringify(r.rows)},${c},${r.features},${r.outputs},${r.shadow ? 1 : 0}]`;
  });
  return `{"columns":[${[...lists.keys()].join(',')}],"records":[${parts.join(',')}]}`;
}

function batchRecords(model: string, text: unknown): PredictionRecord[] {
  const b = parseJson<{ columns: string[][]; records: Tuple[] }>(text, { columns: [], records: [] });
  return b.records.map(([id, version, at, latencyMs, rows, c, values, outputs, shadow]) => ({ id, model, version, at, latencyMs, rows, features: { columns: b.columns[c], rows: values }, outputs, shadow: shadow === 1 }));
}

function legacyRecord(r: Row): PredictionRecord {
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

/** Time, then id: the log's order. */
function byTime(a: PredictionRecord, b: PredictionRecord): number {
  return a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Batches read per query while listing. */
const SCAN = 64;

export class SqlPredictionStore implements PredictionStore {
  constructor(private readonly db: SqlDriver) {}

  /** Records from the API or the SDK: ids already logged (or repeated in the batch) are left out, so a retried batch logs once. */
  async append(records: PredictionRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.db.tx(async (q) => {
      const fresh: PredictionRecord[] = [];
      const seen = new Set<string>();
      for (const r of records) {
        if (seen.has(r.id) || (await find(q, r.id)) !== null) continue;
        seen.add(r.id);
        fresh.push(r);
      }
      await insertBatches(q, fresh.map((p) => ({ ...p, columns: JSON.stringify(p.features.columns), features: JSON.stringify(p.features.rows), outputs: JSON.stringify(p.outputs) })));
    });
  }

  /** The serving fast path: records with fresh ids whose features and outputs are JSON text already (written as given). */
  async appendSerialized(records: SerializedPrediction[]): Promise<void> {
    if (records.length === 0) return;
    // one model's records are one INSERT, atomic on its own: no transaction around it (the serving thread writes these)
    if (records.every((r) => r.model === records[0].model)) await insertBatches(this.db, records);
    else await this.db.tx((q) => insertBatches(q, records));
  }

  async get(id: string): Promise<PredictionRecord> {
    const r = await find(this.db, id);
    if (!r) throw notFound(`prediction "${id.slice(0, 64)}" not found`);
    return r;
  }

  async list(opts: PageRequest & { model?: string; since?: number } = {}): Promise<Page<PredictionRecord>> {
    const { limit, offset } = pageWindow(opts);
    const need = offset + limit + 1;
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (opts.model !== undefined) {
      where.push('model = ?');
      params.push(opts.model);
    }
    const legacyWhere = opts.since === undefined ? where : [...where, 'at >= ?'];
    const legacyParams = opts.since === undefined ? params : [...params, opts.since];
    const found = (await this.db.all<Row>(`SELECT * FROM predictions ${legacyWhere.length ? `WHERE ${legacyWhere.join(' AND ')}` : ''} ORDER BY at, id LIMIT ?`, [...legacyParams, need])).map(legacyRecord);
    // batches in order of their first record's time: once `need` records lie before the next batch's first time, no later
    // batch can change the page
    if (opts.since !== undefined) {
      where.push('last_at >= ?');
      params.push(opts.since);
    }
    let after: [number, number] | null = null;
    for (;;) {
      const keyset: string[] = after ? [...where, '(first_at > ? OR (first_at = ? AND seq > ?))'] : where;
      const rows: Row[] = await this.db.all<Row>(`SELECT seq, model, first_at, records FROM prediction_batches ${keyset.length ? `WHERE ${keyset.join(' AND ')}` : ''} ORDER BY first_at, seq LIMIT ${SCAN}`, after ? [...params, after[0], after[0], after[1]] : params);
      for (const b of rows) for (const r of batchRecords(b.model as string, b.records)) if (opts.since === undefined || r.at >= opts.since) found.push(r);
      if (rows.length < SCAN) break;
      const last: Row = rows[rows.length - 1];
      after = [Number(last.first_at), Number(last.seq)];
      if (found.filter((r) => r.at < after![0]).length >= need) break;
    }
    found.sort(byTime);
    const items = found.slice(offset, offset + limit);
    return { items, nextCursor: found.length > offset + limit ? Buffer.from(JSON.stringify({ o: offset + limit })).toString('base64url') : null };
  }
}

/** A logged record by id: a row from before batches, else the first batch holding it. */
async function find(q: SqlExecutor, id: string): Promise<PredictionRecord | null> {
  const legacy = await q.get<Row>('SELECT * FROM predictions WHERE id = ?', [id]);
  if (legacy) return legacyRecord(legacy);
  for (const b of await q.all<Row>('SELECT model, records FROM prediction_batches WHERE min_id <= ? AND max_id >= ? ORDER BY seq', [id, id])) {
    const r = batchRecords(b.model as string, b.records).find((x) => x.id === id);
    if (r) return r;
  }
  return null;
}

/** One batch row per model. */
async function insertBatches(q: SqlExecutor, records: SerializedPrediction[]): Promise<void> {
  const byModel = new Map<string, SerializedPrediction[]>();
  for (const r of records) {
    let g = byModel.get(r.model);
    if (!g) byModel.set(r.model, (g = []));
    g.push(r);
  }
  for (const [model, g] of byModel) {
    let firstAt = Infinity;
    let lastAt = -Infinity;
    let minId = g[0].id;
    let maxId = g[0].id;
    for (const r of g) {
      firstAt = Math.min(firstAt, r.at);
      lastAt = Math.max(lastAt, r.at);
      if (r.id < minId) minId = r.id;
      if (r.id > maxId) maxId = r.id;
    }
    await q.run('INSERT INTO prediction_batches (model, first_at, last_at, min_id, max_id, count, records) VALUES (?, ?, ?, ?, ?, ?, ?)', [model, firstAt, lastAt, minId, maxId, g.length, batchText(g)]);
  }
}
