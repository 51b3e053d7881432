import type { MetadataStore } from '../metadata-store.ts';
import { SqlAuditStore } from './audit.ts';
import { SqlPredictionStore } from './predictions.ts';
import { SqlDatasetStore } from './datasets.ts';
import type { Row, SqlDriver } from './driver.ts';
import { SqlExperimentStore } from './experiments.ts';
import { forDialect, MIGRATIONS } from './migrations.ts';
import { SqlModelStore } from './models.ts';
import { SqlRunStore } from './runs.ts';
import { SqliteDriver } from '../sqlite/driver.ts';
import { SqlTokenStore } from './tokens.ts';
import { SqlScheduleStore } from './schedules.ts';
import { SqlMonitorStore } from './monitoring.ts';

/** Apply pending migrations in one transaction under the migration lock (two processes starting at once apply each once). */
export async function migrate(driver: SqlDriver): Promise<number[]> {
  return driver.migrationTx(async (q) => {
    await q.run('CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    const applied = new Set((await q.all<Row>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
    const done: number[] = [];
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await driver.script(q, forDialect(m, driver.dialect));
      await q.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, Date.now()]);
      done.push(m.version);
    }
    return done;
  });
}

/** The metadata store on any SQL driver: one implementation, so SQLite and PostgreSQL behave identically. */
export class SqlMetadataStore implements MetadataStore {
  readonly experiments: SqlExperimentStore;
  readonly runs: SqlRunStore;
  readonly datasets: SqlDatasetStore;
  readonly models: SqlModelStore;
  readonly audit: SqlAuditStore;
  readonly predictions: SqlPredictionStore;
  readonly tokens: SqlTokenStore;
  readonly schedules: SqlScheduleStore;
  readonly monitor: SqlMonitorStore;

  private constructor(readonly driver: SqlDriver) {
    this.experiments = new SqlExperimentStore(driver);
    this.runs = new SqlRunStore(driver);
    this.datasets = new SqlDatasetStore(driver);
    this.models = new SqlModelStore(driver);
    this.audit = new SqlAuditStore(driver);
    this.tokens = new SqlTokenStore(driver);
    this.predictions = new SqlPredictionStore(driver);
    this.schedules = new SqlScheduleStore(driver);
    this.monitor = new SqlMonitorStore(driver);
  }

  /** Migrate, then serve. A store that fails to migrate is closed and the error passed on. */
  static async open(driver: SqlDriver): Promise<SqlMetadataStore> {
    try {
      await migrate(driver);
    } catch (e) {
      await driver.close().catch(() => undefined);
      throw e;
    }
    return new SqlMetadataStore(driver);
  }

  /**
   * 'ok' when the store is sound: SQLite's own integrity check, then invariants both backends must hold (version counters
   * ahead of every version, aliases on existing versions, latest metrics backed by a point). Otherwise, what is wrong.
   */
  async integrityCheck(): Promise<string> {
    const problems: string[] = [];
    if (this.driver instanceof SqliteDriver) {
      const r = this.driver.integrityCheck();
      if (r !== 'ok') problems.push(r);
    }
    const counters = await this.driver.get<Row>('SELECT COUNT(*) AS n FROM registered_models m WHERE m.last_version < (SELECT COALESCE(MAX(version), 0) FROM model_versions v WHERE v.name = m.name)');
    if (Number(counters?.n) > 0) problems.push(`${counters?.n} models have a version counter behind their versions`);
    const aliases = await this.driver.get<Row>('SELECT COUNT(*) AS n FROM model_aliases a WHERE NOT EXISTS (SELECT 1 FROM model_versions v WHERE v.name = a.name AND v.version = a.version)');
    if (Number(aliases?.n) > 0) problems.push(`${aliases?.n} aliases point at missing versions`);
    const latest = await this.driver.get<Row>('SELECT COUNT(*) AS n FROM latest_metrics l WHERE NOT EXISTS (SELECT 1 FROM metric_points p WHERE p.run_id = l.run_id AND p.key = l.key)');
    if (Number(latest?.n) > 0) problems.push(`${latest?.n} latest metrics have no recorded point`);
    return problems.length ? problems.join('; ') : 'ok';
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
