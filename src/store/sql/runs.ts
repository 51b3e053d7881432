import { invalid, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { checkId, checkKey, checkLine, checkName, checkPath, checkText } from '../../core/names.ts';
import type { RunSearch, RunStore } from '../metadata-store.ts';
import { parseFilter, parseOrderBy } from '../search/filter.ts';
import { RUN_STATUSES } from '../types.ts';
import type { ArtifactEntry, DatasetVersion, KeyValue, Lifecycle, MetricPoint, Page, Run, RunStatus, StepRecord } from '../types.ts';
import { toDataset } from './datasets.ts';
import type { Row, SqlDriver, SqlExecutor, SqlValue } from './driver.ts';
import { ensureExperiment } from './experiments.ts';
import { groupKv, insertMany, pageOf, placeholders } from './paging.ts';
import { boundedCountSql, drivingCandidates, filterSql, orderSql } from './run-query.ts';
import type { Comparison } from '../search/filter.ts';

/** A term matching fewer runs than this drives the search through its index; otherwise runs are scanned newest first. */
const DRIVE_CAP = 5000;

/** MLflow's per-request limits, which its clients already respect. */
export const BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, paramValue: 6000, tagValue: 8000 };

function checkBatch(batch: { metrics?: MetricPoint[]; params?: KeyValue[]; tags?: KeyValue[] }): void {
  const { metrics = [], params = [], tags = [] } = batch;
  if (!Array.isArray(metrics) || !Array.isArray(params) || !Array.isArray(tags)) throw invalid('metrics, params and tags must be arrays');
  if (metrics.length > BATCH_LIMITS.metrics) throw invalid(`metrics holds ${metrics.length} items; the limit per batch is ${BATCH_LIMITS.metrics}`);
  if (params.length > BATCH_LIMITS.params) throw invalid(`params holds ${params.length} items; the limit per batch is ${BATCH_LIMITS.params}`);
  if (tags.length > BATCH_LIMITS.tags) throw invalid(`tags holds ${tags.length} items; the limit per batch is ${BATCH_LIMITS.tags}`);
  metrics.forEach((m, i) => {
    if (typeof m !== 'object' || m === null) throw invalid(`metrics[${i}] must be an object {key, value, timestamp, step}`);
    checkKey(`metrics[${i}].key`, m.key);
    if (typeof m.value !== 'number') throw invalid(`metrics[${i}].value must be a number (NaN and Infinity allowed)`);
    if (!Number.isSafeInteger(m.step)) throw invalid(`metrics[${i}].step must be an integer`);
    if (!Number.isSafeInteger(m.timestamp) || m.timestamp < 0) throw invalid(`metrics[${i}].timestamp must be a non-negative integer (milliseconds)`);
  });
  const seen = new Map<string, string>();
  params.forEach((p, i) => {
    if (typeof p !== 'object' || p === null) throw invalid(`params[${i}] must be an object {key, value}`);
    checkKey(`params[${i}].key`, p.key);
    checkText(`params[${i}].value`, p.value, BATCH_LIMITS.paramValue);
    const before = seen.get(p.key);
    if (before !== undefined && before !== p.value) throw invalid(`params[${i}]: param "${p.key}" appears twice with different values`);
    seen.set(p.key, p.value);
  });
  tags.forEach((t, i) => {
    if (typeof t !== 'object' || t === null) throw invalid(`tags[${i}] must be an object {key, value}`);
    checkKey(`tags[${i}].key`, t.key);
    checkText(`tags[${i}].value`, t.value, BATCH_LIMITS.tagValue);
  });
}

/** The newest point per key (highest step, then timestamp, then the later one in the batch). */
function newestPerKey(points: MetricPoint[]): MetricPoint[] {
  const best = new Map<string, MetricPoint>();
  for (const p of points) {
    const b = best.get(p.key);
    if (!b || p.step > b.step || (p.step === b.step && p.timestamp >= b.timestamp)) best.set(p.key, p);
  }
  return [...best.values()];
}

const dbValue = (v: number): number | null => (Number.isNaN(v) ? null : v);
const jsValue = (v: unknown): number => (v === null || v === undefined ? NaN : (v as number));

export class SqlRunStore implements RunStore {
  constructor(private readonly db: SqlDriver) {}

  private async hydrate(rows: Row[], q: SqlExecutor = this.db): Promise<Run[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id as string);
    const inList = placeholders(ids.length);
    const [params, metrics, tags] = await Promise.all([
      q.all<{ owner: string; key: string; value: unknown }>(`SELECT run_id AS owner, key, value FROM params WHERE run_id IN (${inList})`, ids),
      q.all<{ owner: string; key: string; value: unknown; step: number; timestamp: number }>(`SELECT run_id AS owner, key, value, step, timestamp FROM latest_metrics WHERE run_id IN (${inList})`, ids),
      q.all<{ owner: string; key: string; value: unknown }>(`SELECT run_id AS owner, key, value FROM tags WHERE run_id IN (${inList})`, ids),
    ]);
    const p = groupKv(params);
    const m = groupKv(metrics.map((x) => ({ ...x, value: jsValue(x.value) })));
    const t = groupKv(tags);
    const times = new Map<string, Record<string, { step: number; timestamp: number }>>();
    for (const x of metrics) {
      let o = times.get(x.owner);
      if (!o) times.set(x.owner, (o = {}));
      o[x.key] = { step: Number(x.step), timestamp: Number(x.timestamp) };
    }
    return rows.map((r) => ({
      id: r.id as string,
      experimentId: r.experiment_id as string,
      name: r.name as string,
      status: r.status as RunStatus,
      lifecycle: r.lifecycle as Lifecycle,
      userId: r.user_id as string,
      startedAt: r.started_at as number,
      endedAt: (r.ended_at as number | null) ?? null,
      params: (p.get(r.id as string) ?? {}) as Record<string, string>,
      metrics: (m.get(r.id as string) ?? {}) as Record<string, number>,
      metricTimes: times.get(r.id as string) ?? {},
      tags: (t.get(r.id as string) ?? {}) as Record<string, string>,
    }));
  }

  private async activeRun(q: SqlExecutor, id: string): Promise<void> {
    const r = await q.get<Row>('SELECT lifecycle FROM runs WHERE id = ?', [id]);
    if (!r) throw notFound(`run ${id} not found`);
    if (r.lifecycle !== 'active') throw invalid(`run ${id} is deleted; it takes no more writes`);
  }

  async create(input: { experimentId?: string; experiment?: string; name: string; userId?: string; startTime?: number; tags?: Record<string, string> }): Promise<Run> {
    checkLine('run name', input.name, 250);
    const userId = checkLine('user_id', input.userId ?? '', 250);
    const start = input.startTime ?? Date.now();
    if (!Number.isSafeInteger(start) || start < 0) throw invalid('start_time must be a non-negative integer (milliseconds)');
    const tags = Object.entries(input.tags ?? {}).map(([key, value]) => ({ key, value }));
    checkBatch({ tags });
    const id = newId();
    await this.db.tx(async (q) => {
      let experimentId: string;
      if (input.experimentId !== undefined) {
        const e = await q.get<Row>('SELECT lifecycle FROM experiments WHERE id = ?', [input.experimentId]);
        if (!e) throw notFound(`experiment ${input.experimentId} not found`);
        if (e.lifecycle !== 'active') throw invalid(`experiment ${input.experimentId} is deleted`);
        experimentId = input.experimentId;
      } else experimentId = await ensureExperiment(q, checkName('experiment', input.experiment ?? 'Default'));
      await q.run("INSERT INTO runs (id, experiment_id, name, status, started_at, user_id) VALUES (?, ?, ?, 'RUNNING', ?, ?)", [id, experimentId, input.name, start, userId]);
      if (tags.length) await insertMany(q, 'INSERT INTO tags (run_id, key, value)', 3, tags.map((t) => [id, t.key, t.value]));
    });
    return this.get(id);
  }

  async get(id: string): Promise<Run> {
    const r = await this.db.get<Row>('SELECT * FROM runs WHERE id = ?', [id]);
    if (!r) throw notFound(`run ${id} not found`);
    return (await this.hydrate([r]))[0];
  }

  async search(s: RunSearch = {}): Promise<Page<Run>> {
    const where: string[] = [];
    const whereParams: SqlValue[] = [];
    if (!s.includeDeleted) where.push("r.lifecycle = 'active'");
    if (s.experimentIds && s.experimentIds.length > 0) {
      if (s.experimentIds.length > 100) throw invalid('experiment_ids holds at most 100 ids');
      where.push(`r.experiment_id IN (${placeholders(s.experimentIds.length)})`);
      whereParams.push(...s.experimentIds);
    }
    const tree = parseFilter(s.filter);
    let drive: Comparison | null = null;
    if (tree) {
      let best = DRIVE_CAP;
      for (const c of drivingCandidates(tree)) {
        const b = boundedCountSql(c, DRIVE_CAP);
        const n = Number((await this.db.get<Row>(b.sql, b.params))?.n ?? DRIVE_CAP);
        if (n < best) [best, drive] = [n, c];
      }
    }
    const f = tree ? filterSql(tree, drive) : { joins: '', joinParams: [], where: '', whereParams: [] };
    if (f.where) where.push(f.where);
    const orderParams: SqlValue[] = [];
    const order = orderSql(parseOrderBy(s.orderBy), orderParams);
    const sql = `SELECT r.* FROM runs r ${f.joins} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY ${order}`;
    const params = [...f.joinParams, ...whereParams, ...f.whereParams, ...orderParams];
    return pageOf<Row, Run>(this.db, sql, params, s, (rows) => this.hydrate(rows));
  }

  async update(id: string, patch: { status?: RunStatus; endTime?: number | null; name?: string }): Promise<Run> {
    if (patch.status !== undefined && !RUN_STATUSES.includes(patch.status)) throw invalid(`status must be one of ${RUN_STATUSES.join(', ')}`);
    if (patch.endTime !== undefined && patch.endTime !== null && (!Number.isSafeInteger(patch.endTime) || patch.endTime < 0)) throw invalid('end_time must be a non-negative integer (milliseconds)');
    if (patch.name !== undefined) checkLine('run name', patch.name, 250);
    await this.db.tx(async (q) => {
      const r = await q.get<Row>('SELECT * FROM runs WHERE id = ?', [id]);
      if (!r) throw notFound(`run ${id} not found`);
      const status = patch.status ?? (r.status as string);
      let ended = patch.endTime !== undefined ? patch.endTime : ((r.ended_at as number | null) ?? null);
      if (patch.status && patch.status !== 'RUNNING' && ended === null) ended = Date.now();
      await q.run('UPDATE runs SET status = ?, ended_at = ?, name = ? WHERE id = ?', [status, ended, patch.name ?? (r.name as string), id]);
    });
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    const n = await this.db.run("UPDATE runs SET lifecycle = 'deleted' WHERE id = ?", [id]);
    if (n === 0) throw notFound(`run ${id} not found`);
  }

  async logBatch(id: string, batch: { metrics?: MetricPoint[]; params?: KeyValue[]; tags?: KeyValue[] }): Promise<void> {
    checkBatch(batch);
    const { metrics = [], params = [], tags = [] } = batch;
    await this.db.tx(async (q) => {
      await this.activeRun(q, id);
      if (params.length) {
        const keys = [...new Set(params.map((p) => p.key))];
        const existing = new Map((await q.all<Row>(`SELECT key, value FROM params WHERE run_id = ? AND key IN (${placeholders(keys.length)})`, [id, ...keys])).map((r) => [r.key as string, r.value as string]));
        const fresh = new Map<string, string>();
        for (const p of params) {
          const before = existing.get(p.key);
          if (before !== undefined && before !== p.value) throw invalid(`param "${p.key}" was already logged with a different value; params are immutable`);
          if (before === undefined) fresh.set(p.key, p.value);
        }
        if (fresh.size) await insertMany(q, 'INSERT INTO params (run_id, key, value)', 3, [...fresh].map(([k, v]) => [id, k, v]));
      }
      if (tags.length) {
        const last = new Map(tags.map((t) => [t.key, t.value]));
        await insertMany(q, 'INSERT INTO tags (run_id, key, value)', 3, [...last].map(([k, v]) => [id, k, v]), 'ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value');
      }
      if (metrics.length) {
        await insertMany(q, 'INSERT INTO metric_points (run_id, key, value, step, timestamp)', 5, metrics.map((m) => [id, m.key, dbValue(m.value), m.step, m.timestamp]));
        await insertMany(
          q,
          'INSERT INTO latest_metrics (run_id, key, value, step, timestamp)',
          5,
          newestPerKey(metrics).map((m) => [id, m.key, dbValue(m.value), m.step, m.timestamp]),
          `ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, step = excluded.step, timestamp = excluded.timestamp
           WHERE excluded.step > latest_metrics.step OR (excluded.step = latest_metrics.step AND excluded.timestamp >= latest_metrics.timestamp)`,
        );
      }
    });
  }

  async metricHistory(id: string, key: string): Promise<MetricPoint[]> {
    checkKey('metric key', key);
    if (!(await this.db.get('SELECT 1 FROM runs WHERE id = ?', [id]))) throw notFound(`run ${id} not found`);
    const rows = await this.db.all<Row>('SELECT key, value, step, timestamp FROM metric_points WHERE run_id = ? AND key = ? ORDER BY step, timestamp, id', [id, key]);
    return rows.map((r) => ({ key: r.key as string, value: jsValue(r.value), step: r.step as number, timestamp: r.timestamp as number }));
  }

  async deleteTag(id: string, key: string): Promise<void> {
    checkKey('tag key', key);
    await this.db.tx(async (q) => {
      await this.activeRun(q, id);
      if ((await q.run('DELETE FROM tags WHERE run_id = ? AND key = ?', [id, key])) === 0) throw notFound(`run ${id} has no tag "${key}"`);
    });
  }

  async recordStep(s: StepRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO steps (run_id, name, status, started_at, ended_at, error) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, name) DO UPDATE SET status = excluded.status, started_at = excluded.started_at, ended_at = excluded.ended_at, error = excluded.error`,
      [s.runId, s.name, s.status, s.startedAt, s.endedAt, s.error],
    );
  }

  async listSteps(runId: string): Promise<StepRecord[]> {
    const rows = await this.db.all<Row>('SELECT * FROM steps WHERE run_id = ? ORDER BY started_at, name', [runId]);
    return rows.map((r) => ({
      runId: r.run_id as string,
      name: r.name as string,
      status: r.status as StepRecord['status'],
      startedAt: r.started_at as number,
      endedAt: (r.ended_at as number | null) ?? null,
      error: (r.error as string | null) ?? null,
    }));
  }

  async linkDataset(runId: string, datasetId: string, role: string): Promise<void> {
    checkKey('dataset role', role);
    checkId('datasetId', datasetId);
    await this.db.tx(async (q) => {
      if (!(await q.get('SELECT 1 FROM runs WHERE id = ?', [runId]))) throw notFound(`run ${runId} not found`);
      if (!(await q.get('SELECT 1 FROM datasets WHERE id = ?', [datasetId]))) throw notFound(`dataset version ${datasetId} not found`);
      await q.run('INSERT INTO run_datasets (run_id, dataset_id, role) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [runId, datasetId, role]);
    });
  }

  async listDatasets(runId: string): Promise<(DatasetVersion & { role: string })[]> {
    const rows = await this.db.all<Row>('SELECT d.*, rd.role FROM run_datasets rd JOIN datasets d ON d.id = rd.dataset_id WHERE rd.run_id = ? ORDER BY rd.role, d.name', [runId]);
    return rows.map((r) => ({ ...toDataset(r), role: r.role as string }));
  }

  async putArtifact(e: Omit<ArtifactEntry, 'createdAt'>): Promise<ArtifactEntry> {
    const path = checkPath('artifact path', e.path);
    if (!/^[0-9a-f]{64}$/.test(e.digest)) throw invalid('artifact digest must be a sha256 hex string');
    const now = Date.now();
    await this.db.tx(async (q) => {
      await this.activeRun(q, e.runId);
      await q.run('INSERT INTO artifacts (run_id, path, digest, size, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id, path) DO UPDATE SET digest = excluded.digest, size = excluded.size, created_at = excluded.created_at', [e.runId, path, e.digest, e.size, now]);
    });
    return { runId: e.runId, path, digest: e.digest, size: e.size, createdAt: now };
  }

  async getArtifact(runId: string, path: string): Promise<ArtifactEntry> {
    const r = await this.db.get<Row>('SELECT * FROM artifacts WHERE run_id = ? AND path = ?', [runId, checkPath('artifact path', path)]);
    if (!r) throw notFound(`run ${runId} has no artifact "${path}"`);
    return { runId, path, digest: r.digest as string, size: r.size as number, createdAt: r.created_at as number };
  }

  async listArtifacts(runId: string): Promise<ArtifactEntry[]> {
    if (!(await this.db.get('SELECT 1 FROM runs WHERE id = ?', [runId]))) throw notFound(`run ${runId} not found`);
    const rows = await this.db.all<Row>('SELECT * FROM artifacts WHERE run_id = ? ORDER BY path', [runId]);
    return rows.map((r) => ({ runId, path: r.path as string, digest: r.digest as string, size: r.size as number, createdAt: r.created_at as number }));
  }
}
