import { checkDepth } from '../../core/json.ts';
import { invalid, notFound } from '../../core/errors.ts';
import { checkName } from '../../core/names.ts';
import type { PredictionStore } from '../metadata-store.ts';
import type { Page, PageRequest, PredictionRecord, RetentionRule } from '../types.ts';
import type { Row, SqlDriver, SqlExecutor, SqlValue } from './driver.ts';
import { pageWindow, parseJson } from './paging.ts';
import { batchRecords, PredictionBatch } from './prediction-batch.ts';

/*
 * The log is kept in batches: one row per batch of one model's records (see PredictionBatch for the row's text), found by
 * time (first_at) and by id range (min_id..max_id). Records written before batches (one row each in `predictions`) read back
 * beside them.
 */

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
    records.forEach((r, i) => {
      checkDepth(`records[${i}].outputs`, r.outputs);
      checkDepth(`records[${i}].features`, r.features);
    });
    await this.db.tx(async (q) => {
      const fresh: PredictionRecord[] = [];
      const seen = new Set<string>();
      for (const r of records) {
        if (seen.has(r.id) || (await find(q, r.id)) !== null) continue;
        seen.add(r.id);
        fresh.push(r);
      }
      const batches = new Map<string, PredictionBatch>();
      for (const p of fresh) {
        let b = batches.get(p.model);
        if (!b) batches.set(p.model, (b = new PredictionBatch(p.model)));
        b.add({ ...p, columns: JSON.stringify(p.features.columns), features: JSON.stringify(p.features.rows), outputs: JSON.stringify(p.outputs) });
      }
      for (const b of batches.values()) await insertBatch(q, b);
    });
  }

  /** The serving path: one model's batch of records with fresh ids, built by the caller; one INSERT, atomic on its own. */
  async appendBatch(batch: PredictionBatch): Promise<void> {
    if (batch.count > 0) await insertBatch(this.db, batch);
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

  async prune(rule: RetentionRule, opts: { now?: number; limit?: number } = {}): Promise<number> {
    checkRetention(rule);
    const limit = opts.limit ?? 200;
    const cutoff = rule.maxAgeMs === undefined ? null : (opts.now ?? Date.now()) - rule.maxAgeMs;
    const model = rule.model === undefined ? [] : [rule.model];
    const and = rule.model === undefined ? '' : 'AND model = ?';
    return this.db.tx(async (q) => {
      // batches past the rule, oldest first: by age (their newest record), or with maxRecords newer records already kept
      const picks: string[] = [];
      const params: SqlValue[] = [];
      if (cutoff !== null) {
        picks.push(`SELECT seq, count FROM prediction_batches WHERE last_at < ? ${and}`);
        params.push(cutoff, ...model);
      }
      if (rule.maxRecords !== undefined) {
        picks.push(`SELECT seq, count FROM (SELECT seq, count, SUM(count) OVER (ORDER BY seq DESC) - count AS newer FROM prediction_batches WHERE 1 = 1 ${and}) w WHERE newer >= ?`);
        params.push(...model, rule.maxRecords);
      }
      const doomed = await q.all<Row>(`SELECT seq, count FROM (${picks.join(' UNION ')}) p ORDER BY seq LIMIT ?`, [...params, limit]);
      let deleted = 0;
      if (doomed.length) {
        await q.run(`DELETE FROM prediction_batches WHERE seq IN (${doomed.map(() => '?').join(', ')})`, doomed.map((r) => Number(r.seq)));
        deleted += doomed.reduce((a, r) => a + Number(r.count), 0);
      }
      // records from before batches: by age, and all of them once the batches alone reach maxRecords
      const legacy: string[] = [];
      const legacyParams: SqlValue[] = [];
      if (cutoff !== null) {
        legacy.push('at < ?');
        legacyParams.push(cutoff);
      }
      if (rule.maxRecords !== undefined) {
        const kept = Number((await q.get<Row>(`SELECT COALESCE(SUM(count), 0) AS n FROM prediction_batches WHERE 1 = 1 ${and}`, model))!.n);
        if (kept >= rule.maxRecords) legacy.push('1 = 1');
      }
      if (legacy.length) {
        deleted += await q.run(`DELETE FROM predictions WHERE id IN (SELECT id FROM predictions WHERE (${legacy.join(' OR ')}) ${and} ORDER BY at LIMIT ?)`, [...legacyParams, ...model, limit * 100]);
      }
      return deleted;
    });
  }
}

function checkRetention(rule: RetentionRule): void {
  if (typeof rule !== 'object' || rule === null) throw invalid('a retention rule must be an object {model?, maxAgeMs?, maxRecords?}');
  if (rule.maxAgeMs === undefined && rule.maxRecords === undefined) throw invalid('a retention rule needs maxAgeMs or maxRecords');
  if (rule.maxAgeMs !== undefined && !(Number.isSafeInteger(rule.maxAgeMs) && rule.maxAgeMs >= 0)) throw invalid('retention maxAgeMs must be an integer >= 0');
  if (rule.maxRecords !== undefined && !(Number.isSafeInteger(rule.maxRecords) && rule.maxRecords >= 0)) throw invalid('retention maxRecords must be an integer >= 0');
  if (rule.model !== undefined) checkName('retention model', rule.model);
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

async function insertBatch(q: SqlExecutor, b: PredictionBatch): Promise<void> {
  await q.run('INSERT INTO prediction_batches (model, first_at, last_at, min_id, max_id, count, records) VALUES (?, ?, ?, ?, ?, ?, ?)', [b.model, b.firstAt, b.lastAt, b.minId, b.maxId, b.count, b.text()]);
}
