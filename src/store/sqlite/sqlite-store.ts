import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CapstanError, invalid, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { MetadataStore } from '../metadata-store.ts';
import type { DatasetVersion, ModelVersion, RegisteredModel, Run, RunStatus, StepRecord } from '../types.ts';
import { MIGRATIONS } from './migrations.ts';

type Row = Record<string, unknown>;

function toRun(r: Row, params: Row[], metrics: Row[], tags: Row[]): Run {
  return {
    id: r.id as string,
    experimentId: r.experiment_id as string,
    name: r.name as string,
    status: r.status as RunStatus,
    startedAt: r.started_at as number,
    endedAt: (r.ended_at as number | null) ?? null,
    params: Object.fromEntries(params.map((p) => [p.key, p.value])),
    metrics: Object.fromEntries(metrics.map((m) => [m.key, m.value ?? NaN])),
    tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
  };
}

function toDataset(r: Row): DatasetVersion {
  return {
    id: r.id as string,
    name: r.name as string,
    version: r.version as number,
    contentHash: r.content_hash as string,
    source: r.source as string,
    rows: r.rows as number,
    columns: r.columns as number,
    createdAt: r.created_at as number,
    ...(r.schema ? { schema: JSON.parse(r.schema as string) as unknown } : {}),
    ...(r.profile ? { profile: JSON.parse(r.profile as string) as unknown } : {}),
  };
}

/**
 * The embedded metadata store. WAL journal with synchronous=FULL: a commit is on disk when the call returns, and a crash at any
 * moment leaves the last committed state (readers never block the writer). busy_timeout lets the CLI and a running server share
 * the file.
 */
export class SqliteMetadataStore implements MetadataStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 10000');
      this.db.pragma('foreign_keys = ON');
    } catch (e) {
      throw new CapstanError('UNAVAILABLE', `cannot open metadata store ${path}: ${(e as Error).message}`);
    }
    this.migrate();
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    const applied = new Set((this.db.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((r) => r.version as number));
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      // IMMEDIATE: two processes starting at once must not both apply the same migration
      this.db.transaction(() => {
        const again = this.db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version);
        if (again) return;
        this.db.exec(m.sql);
        this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
      }).immediate();
    }
  }

  /** `PRAGMA integrity_check` result: 'ok' when the file is sound. */
  integrityCheck(): string {
    return (this.db.pragma('integrity_check') as Row[]).map((r) => String(r.integrity_check)).join('; ');
  }

  async createRun(input: { experiment: string; name: string; tags?: Record<string, string> }): Promise<Run> {
    const id = newId();
    const now = Date.now();
    this.db.transaction(() => {
      let exp = this.db.prepare('SELECT id FROM experiments WHERE name = ?').get(input.experiment) as Row | undefined;
      if (!exp) {
        exp = { id: newId() };
        this.db.prepare('INSERT INTO experiments (id, name, created_at) VALUES (?, ?, ?)').run(exp.id, input.experiment, now);
      }
      this.db.prepare("INSERT INTO runs (id, experiment_id, name, status, started_at) VALUES (?, ?, ?, 'RUNNING', ?)").run(id, exp.id, input.name, now);
      const tag = this.db.prepare('INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)');
      for (const [k, v] of Object.entries(input.tags ?? {})) tag.run(id, k, v);
    }).immediate();
    return this.getRun(id);
  }

  async getRun(id: string): Promise<Run> {
    const r = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw notFound(`run ${id} not found`);
    return this.hydrateRun(r);
  }

  private hydrateRun(r: Row): Run {
    const params = this.db.prepare('SELECT key, value FROM params WHERE run_id = ?').all(r.id) as Row[];
    // latest value per key (highest step, then latest write)
    const metrics = this.db
      .prepare('SELECT key, value FROM metrics m WHERE run_id = ? AND rowid = (SELECT rowid FROM metrics WHERE run_id = m.run_id AND key = m.key ORDER BY step DESC, timestamp DESC, rowid DESC LIMIT 1)')
      .all(r.id) as Row[];
    const tags = this.db.prepare('SELECT key, value FROM tags WHERE run_id = ?').all(r.id) as Row[];
    return toRun(r, params, metrics, tags);
  }

  async listRuns(opts: { experiment?: string; limit?: number } = {}): Promise<Run[]> {
    const limit = Math.min(Math.max(1, opts.limit ?? 100), 10_000);
    const rows = opts.experiment
      ? (this.db.prepare('SELECT r.* FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE e.name = ? ORDER BY r.started_at DESC, r.id DESC LIMIT ?').all(opts.experiment, limit) as Row[])
      : (this.db.prepare('SELECT * FROM runs ORDER BY started_at DESC, id DESC LIMIT ?').all(limit) as Row[]);
    return rows.map((r) => this.hydrateRun(r));
  }

  async endRun(id: string, status: Exclude<RunStatus, 'RUNNING'>): Promise<void> {
    const res = this.db.prepare('UPDATE runs SET status = ?, ended_at = ? WHERE id = ?').run(status, Date.now(), id);
    if (res.changes === 0) throw notFound(`run ${id} not found`);
  }

  async logParams(runId: string, params: Record<string, string | number>): Promise<void> {
    const stmt = this.db.prepare('INSERT INTO params (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value');
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(params)) stmt.run(runId, k, String(v));
    })();
  }

  async logMetrics(runId: string, metrics: Record<string, number>, step = 0): Promise<void> {
    const stmt = this.db.prepare('INSERT INTO metrics (run_id, key, value, step, timestamp) VALUES (?, ?, ?, ?, ?)');
    const now = Date.now();
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(metrics)) stmt.run(runId, k, v, step, now);
    })();
  }

  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    const stmt = this.db.prepare('INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value');
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(tags)) stmt.run(runId, k, v);
    })();
  }

  async recordStep(s: StepRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO steps (run_id, name, status, started_at, ended_at, error) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, name) DO UPDATE SET status = excluded.status, started_at = excluded.started_at, ended_at = excluded.ended_at, error = excluded.error`,
      )
      .run(s.runId, s.name, s.status, s.startedAt, s.endedAt, s.error);
  }

  async listSteps(runId: string): Promise<StepRecord[]> {
    const rows = this.db.prepare('SELECT * FROM steps WHERE run_id = ? ORDER BY started_at, rowid').all(runId) as Row[];
    return rows.map((r) => ({
      runId: r.run_id as string,
      name: r.name as string,
      status: r.status as StepRecord['status'],
      startedAt: r.started_at as number,
      endedAt: (r.ended_at as number | null) ?? null,
      error: (r.error as string | null) ?? null,
    }));
  }

  async registerDataset(input: { name: string; contentHash: string; source: string; rows: number; columns: number; schema?: unknown; profile?: unknown }): Promise<DatasetVersion> {
    return this.db.transaction(() => {
      const existing = this.db.prepare('SELECT * FROM datasets WHERE name = ? AND content_hash = ?').get(input.name, input.contentHash) as Row | undefined;
      if (existing) return toDataset(existing);
      const next = ((this.db.prepare('SELECT MAX(version) AS v FROM datasets WHERE name = ?').get(input.name) as Row).v as number | null) ?? 0;
      const id = newId();
      this.db
        .prepare('INSERT INTO datasets (id, name, version, content_hash, source, rows, columns, created_at, schema, profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(id, input.name, next + 1, input.contentHash, input.source, input.rows, input.columns, Date.now(), input.schema === undefined ? null : JSON.stringify(input.schema), input.profile === undefined ? null : JSON.stringify(input.profile));
      return toDataset(this.db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as Row);
    }).immediate();
  }

  async listDatasets(name?: string): Promise<DatasetVersion[]> {
    const rows = name
      ? (this.db.prepare('SELECT * FROM datasets WHERE name = ? ORDER BY version DESC').all(name) as Row[])
      : (this.db.prepare('SELECT * FROM datasets d WHERE version = (SELECT MAX(version) FROM datasets WHERE name = d.name) ORDER BY name').all() as Row[]);
    return rows.map(toDataset);
  }

  async getDataset(name: string, version?: number): Promise<DatasetVersion> {
    const r = (version === undefined
      ? this.db.prepare('SELECT * FROM datasets WHERE name = ? ORDER BY version DESC LIMIT 1').get(name)
      : this.db.prepare('SELECT * FROM datasets WHERE name = ? AND version = ?').get(name, version)) as Row | undefined;
    if (!r) throw notFound(version === undefined ? `dataset "${name}" not found` : `dataset "${name}" has no version ${version}`);
    return toDataset(r);
  }

  async linkRunDataset(runId: string, datasetId: string, role: string): Promise<void> {
    this.db.prepare('INSERT OR IGNORE INTO run_datasets (run_id, dataset_id, role) VALUES (?, ?, ?)').run(runId, datasetId, role);
  }

  async listRunDatasets(runId: string): Promise<(DatasetVersion & { role: string })[]> {
    const rows = this.db.prepare('SELECT d.*, rd.role FROM run_datasets rd JOIN datasets d ON d.id = rd.dataset_id WHERE rd.run_id = ? ORDER BY rd.role').all(runId) as Row[];
    return rows.map((r) => ({ ...toDataset(r), role: r.role as string }));
  }

  private toVersion(r: Row): ModelVersion {
    const aliases = (this.db.prepare('SELECT alias FROM model_aliases WHERE name = ? AND version = ? ORDER BY alias').all(r.name, r.version) as Row[]).map((a) => a.alias as string);
    return {
      name: r.name as string,
      version: r.version as number,
      runId: (r.run_id as string | null) ?? null,
      source: r.source as string,
      digest: r.digest as string,
      task: r.task as string,
      metrics: JSON.parse(r.metrics as string) as Record<string, number>,
      createdAt: r.created_at as number,
      aliases,
    };
  }

  async createModelVersion(input: { name: string; runId: string | null; source: string; digest: string; task: string; metrics: Record<string, number> }): Promise<ModelVersion> {
    const version = this.db.transaction(() => {
      const now = Date.now();
      this.db.prepare('INSERT OR IGNORE INTO registered_models (name, created_at) VALUES (?, ?)').run(input.name, now);
      const next = (((this.db.prepare('SELECT MAX(version) AS v FROM model_versions WHERE name = ?').get(input.name) as Row).v as number | null) ?? 0) + 1;
      this.db
        .prepare('INSERT INTO model_versions (name, version, run_id, source, digest, task, metrics, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(input.name, next, input.runId, input.source, input.digest, input.task, JSON.stringify(input.metrics), now);
      this.audit('system', 'model_version.create', `${input.name}:${next}`, { runId: input.runId, digest: input.digest });
      return next;
    }).immediate();
    return this.getModelVersion(input.name, version);
  }

  private audit(actor: string, action: string, entity: string, detail: unknown): void {
    this.db.prepare('INSERT INTO audit_events (at, actor, action, entity, detail) VALUES (?, ?, ?, ?, ?)').run(Date.now(), actor, action, entity, JSON.stringify(detail));
  }

  async getModelVersion(name: string, version: number): Promise<ModelVersion> {
    const r = this.db.prepare('SELECT * FROM model_versions WHERE name = ? AND version = ?').get(name, version) as Row | undefined;
    if (!r) {
      const exists = this.db.prepare('SELECT 1 FROM registered_models WHERE name = ?').get(name);
      throw notFound(exists ? `model "${name}" has no version ${version}` : `model "${name}" not found`);
    }
    return this.toVersion(r);
  }

  async setAlias(name: string, alias: string, version: number, actor: string): Promise<void> {
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(alias)) throw invalid(`alias "${alias}" must start with a letter and hold only letters, digits, _ or - (64 at most)`);
    this.db.transaction(() => {
      const before = this.db.prepare('SELECT version FROM model_aliases WHERE name = ? AND alias = ?').get(name, alias) as Row | undefined;
      if (!this.db.prepare('SELECT 1 FROM model_versions WHERE name = ? AND version = ?').get(name, version)) throw notFound(`model "${name}" has no version ${version}`);
      this.db.prepare('INSERT INTO model_aliases (name, alias, version) VALUES (?, ?, ?) ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version').run(name, alias, version);
      this.audit(actor, 'alias.set', `${name}@${alias}`, { from: before?.version ?? null, to: version });
    }).immediate();
  }

  async resolveAlias(name: string, alias: string): Promise<ModelVersion> {
    const r = this.db.prepare('SELECT version FROM model_aliases WHERE name = ? AND alias = ?').get(name, alias) as Row | undefined;
    if (!r) {
      const exists = this.db.prepare('SELECT 1 FROM registered_models WHERE name = ?').get(name);
      throw notFound(exists ? `model "${name}" has no alias "${alias}"` : `model "${name}" not found`);
    }
    return this.getModelVersion(name, r.version as number);
  }

  async aliasVersion(name: string, alias: string): Promise<number | null> {
    const r = this.db.prepare('SELECT version FROM model_aliases WHERE name = ? AND alias = ?').get(name, alias) as Row | undefined;
    return r ? (r.version as number) : null;
  }

  async latestModelVersion(name: string): Promise<ModelVersion> {
    const r = this.db.prepare('SELECT * FROM model_versions WHERE name = ? ORDER BY version DESC LIMIT 1').get(name) as Row | undefined;
    if (!r) throw notFound(`model "${name}" not found`);
    return this.toVersion(r);
  }

  async listModels(): Promise<RegisteredModel[]> {
    const rows = this.db.prepare('SELECT m.name, m.created_at, MAX(v.version) AS latest FROM registered_models m LEFT JOIN model_versions v ON v.name = m.name GROUP BY m.name ORDER BY m.name').all() as Row[];
    return rows.map((r) => ({
      name: r.name as string,
      createdAt: r.created_at as number,
      latestVersion: (r.latest as number | null) ?? 0,
      aliases: Object.fromEntries((this.db.prepare('SELECT alias, version FROM model_aliases WHERE name = ? ORDER BY alias').all(r.name) as Row[]).map((a) => [a.alias, a.version])),
    }));
  }

  async listModelVersions(name: string): Promise<ModelVersion[]> {
    const rows = this.db.prepare('SELECT * FROM model_versions WHERE name = ? ORDER BY version').all(name) as Row[];
    if (rows.length === 0 && !this.db.prepare('SELECT 1 FROM registered_models WHERE name = ?').get(name)) throw notFound(`model "${name}" not found`);
    return rows.map((r) => this.toVersion(r));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
