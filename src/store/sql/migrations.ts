/**
 * Versioned schema changes, applied in order inside one transaction each; never edit a shipped migration, add a new one.
 * Written once in SQLite's spelling and translated for PostgreSQL by `forDialect` (64-bit integers, doubles, byte-order
 * collation so names sort the same on both); `postgres` / `sqlite` hold what only one dialect needs.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  sqlite?: string;
  postgres?: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE experiments (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);
CREATE TABLE runs (
  id TEXT PRIMARY KEY, experiment_id TEXT NOT NULL REFERENCES experiments(id), name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('RUNNING','FINISHED','FAILED','KILLED')),
  started_at INTEGER NOT NULL, ended_at INTEGER);
CREATE INDEX runs_experiment ON runs(experiment_id, started_at);
CREATE TABLE params (run_id TEXT NOT NULL REFERENCES runs(id), key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, key));
CREATE TABLE metrics (run_id TEXT NOT NULL REFERENCES runs(id), key TEXT NOT NULL, value REAL, step INTEGER NOT NULL, timestamp INTEGER NOT NULL);
CREATE INDEX metrics_run ON metrics(run_id, key, step);
CREATE TABLE tags (run_id TEXT NOT NULL REFERENCES runs(id), key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, key));
CREATE TABLE steps (
  run_id TEXT NOT NULL REFERENCES runs(id), name TEXT NOT NULL, status TEXT NOT NULL,
  started_at INTEGER NOT NULL, ended_at INTEGER, error TEXT, PRIMARY KEY (run_id, name));
CREATE TABLE datasets (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, version INTEGER NOT NULL, content_hash TEXT NOT NULL, source TEXT NOT NULL,
  rows INTEGER NOT NULL, columns INTEGER NOT NULL, created_at INTEGER NOT NULL,
  UNIQUE (name, content_hash), UNIQUE (name, version));
CREATE TABLE run_datasets (
  run_id TEXT NOT NULL REFERENCES runs(id), dataset_id TEXT NOT NULL REFERENCES datasets(id), role TEXT NOT NULL,
  PRIMARY KEY (run_id, dataset_id, role));
CREATE TABLE registered_models (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
CREATE TABLE model_versions (
  name TEXT NOT NULL REFERENCES registered_models(name), version INTEGER NOT NULL, run_id TEXT REFERENCES runs(id),
  source TEXT NOT NULL, digest TEXT NOT NULL, task TEXT NOT NULL, metrics TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (name, version));
CREATE TABLE model_aliases (
  name TEXT NOT NULL REFERENCES registered_models(name), alias TEXT NOT NULL, version INTEGER NOT NULL,
  PRIMARY KEY (name, alias), FOREIGN KEY (name, version) REFERENCES model_versions(name, version));
CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  entity TEXT NOT NULL, detail TEXT NOT NULL);
`,
  },
  {
    version: 2,
    name: 'dataset schema and profile',
    sql: `
ALTER TABLE datasets ADD COLUMN schema TEXT;
ALTER TABLE datasets ADD COLUMN profile TEXT;
`,
  },
  {
    version: 3,
    name: 'tracking, registry governance, tokens, artifacts',
    sql: `
ALTER TABLE experiments ADD COLUMN lifecycle TEXT NOT NULL DEFAULT 'active';
ALTER TABLE experiments ADD COLUMN artifact_location TEXT NOT NULL DEFAULT '';
ALTER TABLE experiments ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
CREATE TABLE experiment_tags (
  experiment_id TEXT NOT NULL REFERENCES experiments(id), key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (experiment_id, key));
ALTER TABLE runs ADD COLUMN lifecycle TEXT NOT NULL DEFAULT 'active';
ALTER TABLE runs ADD COLUMN user_id TEXT NOT NULL DEFAULT '';
CREATE INDEX runs_started ON runs(started_at, id);
CREATE TABLE metric_points (
  id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL REFERENCES runs(id), key TEXT NOT NULL, value REAL,
  step INTEGER NOT NULL, timestamp INTEGER NOT NULL);
INSERT INTO metric_points (run_id, key, value, step, timestamp) SELECT run_id, key, value, step, timestamp FROM metrics;
DROP TABLE metrics;
CREATE INDEX metric_points_run ON metric_points(run_id, key, step);
CREATE TABLE latest_metrics (
  run_id TEXT NOT NULL REFERENCES runs(id), key TEXT NOT NULL, value REAL, step INTEGER NOT NULL, timestamp INTEGER NOT NULL,
  PRIMARY KEY (run_id, key));
CREATE INDEX latest_metrics_key ON latest_metrics(key, value);
INSERT INTO latest_metrics (run_id, key, value, step, timestamp)
  SELECT m.run_id, m.key, m.value, m.step, m.timestamp FROM metric_points m
  WHERE m.id = (SELECT id FROM metric_points x WHERE x.run_id = m.run_id AND x.key = m.key ORDER BY step DESC, timestamp DESC, id DESC LIMIT 1);
CREATE INDEX params_key ON params(key, value);
CREATE INDEX tags_key ON tags(key, value);
ALTER TABLE registered_models ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE registered_models ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE registered_models ADD COLUMN last_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE registered_models ADD COLUMN protected_aliases TEXT NOT NULL DEFAULT '["production"]';
UPDATE registered_models SET last_version = COALESCE((SELECT MAX(version) FROM model_versions v WHERE v.name = registered_models.name), 0),
  updated_at = created_at;
ALTER TABLE model_versions ADD COLUMN author TEXT NOT NULL DEFAULT 'system';
ALTER TABLE model_versions ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE model_versions ADD COLUMN signature TEXT;
ALTER TABLE model_versions ADD COLUMN lineage TEXT NOT NULL DEFAULT '{}';
CREATE TABLE model_tags (name TEXT NOT NULL REFERENCES registered_models(name), key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, key));
CREATE TABLE model_version_tags (
  name TEXT NOT NULL, version INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, version, key),
  FOREIGN KEY (name, version) REFERENCES model_versions(name, version));
CREATE TABLE approvals (
  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, version INTEGER NOT NULL, alias TEXT NOT NULL, approver TEXT NOT NULL,
  comment TEXT NOT NULL, at INTEGER NOT NULL, UNIQUE (name, version, alias, approver),
  FOREIGN KEY (name, version) REFERENCES model_versions(name, version));
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL CHECK (role IN ('viewer','member','approver','admin')),
  hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, revoked_at INTEGER);
CREATE TABLE artifacts (
  run_id TEXT NOT NULL REFERENCES runs(id), path TEXT NOT NULL, digest TEXT NOT NULL, size INTEGER NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, path));
CREATE INDEX audit_entity ON audit_events(entity, id);
`,
    sqlite: `
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`,
    postgres: `
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
`,
  },
  {
    version: 4,
    name: 'prediction log',
    sql: `
CREATE TABLE predictions (
  id TEXT PRIMARY KEY, model TEXT NOT NULL, version TEXT NOT NULL, at INTEGER NOT NULL, latency_ms REAL NOT NULL,
  rows INTEGER NOT NULL, features TEXT NOT NULL, outputs TEXT NOT NULL, shadow INTEGER NOT NULL DEFAULT 0);
CREATE INDEX predictions_model ON predictions(model, at, id);
`,
  },
  {
    version: 5,
    name: 'prediction log in batches',
    // one row per batch of a model's predictions (records as one JSON document) instead of one row per prediction: a row
    // and its two index entries per answered request cost the serving process a third of its throughput. Records from
    // before stay in `predictions` and read back beside the batches.
    sql: `
CREATE TABLE prediction_batches (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL, first_at INTEGER NOT NULL, last_at INTEGER NOT NULL,
  min_id TEXT NOT NULL, max_id TEXT NOT NULL, count INTEGER NOT NULL, records TEXT NOT NULL);
CREATE INDEX prediction_batches_at ON prediction_batches(first_at, seq);
CREATE INDEX prediction_batches_model ON prediction_batches(model, first_at, seq);
CREATE INDEX prediction_batches_ids ON prediction_batches(min_id, max_id);
`,
  },
  {
    version: 6,
    name: 'governance policy and typed traffic',
    // champion is what the server answers a bare name with, so it is protected by default like production (models still on
    // the old default gain it); the traffic split leaves the free-form tags for a column only setTraffic writes
    sql: `
ALTER TABLE registered_models ADD COLUMN self_approval INTEGER NOT NULL DEFAULT 0;
ALTER TABLE registered_models ADD COLUMN traffic TEXT;
UPDATE registered_models SET protected_aliases = '["champion","production"]' WHERE protected_aliases = '["production"]';
UPDATE registered_models SET traffic = (SELECT value FROM model_tags t WHERE t.name = registered_models.name AND t.key = 'capstan.traffic' AND t.value <> '');
DELETE FROM model_tags WHERE key LIKE 'capstan.%';
ALTER TABLE approvals ADD COLUMN self INTEGER NOT NULL DEFAULT 0;
`,
  },
  {
    version: 7,
    name: 'pipeline schedules',
    sql: `
CREATE TABLE pipeline_schedules (
  name TEXT PRIMARY KEY, spec TEXT NOT NULL, cron TEXT NOT NULL, params TEXT NOT NULL, next_at INTEGER NOT NULL,
  last_at INTEGER, last_run_id TEXT, created_by TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX pipeline_schedules_due ON pipeline_schedules(next_at);
`,
  },
  {
    version: 8,
    name: 'monitoring windows and actuals',
    // windows are written by every serving process and added up when read; minutes are compacted into hours
    sql: `
CREATE TABLE monitor_windows (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL, version TEXT NOT NULL, period_start INTEGER NOT NULL,
  period_ms INTEGER NOT NULL, stats TEXT NOT NULL);
CREATE INDEX monitor_windows_model ON monitor_windows(model, period_start);
CREATE INDEX monitor_windows_span ON monitor_windows(period_ms, period_start);
CREATE TABLE actuals (
  prediction_id TEXT NOT NULL, row_index INTEGER NOT NULL, model TEXT NOT NULL, version TEXT NOT NULL,
  predicted_at INTEGER NOT NULL, actual TEXT NOT NULL, output TEXT NOT NULL, received_at INTEGER NOT NULL,
  PRIMARY KEY (prediction_id, row_index));
CREATE INDEX actuals_model ON actuals(model, predicted_at);
`,
  },
  {
    version: 9,
    name: 'monitoring policies and alerts',
    sql: `
CREATE TABLE monitor_policies (
  model TEXT NOT NULL, version INTEGER NOT NULL, spec TEXT NOT NULL, created_by TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (model, version));
CREATE TABLE alerts (
  id TEXT PRIMARY KEY, model TEXT NOT NULL, rule TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('firing','acknowledged','resolved')),
  value REAL NOT NULL, threshold REAL NOT NULL, detail TEXT NOT NULL, fired_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  acknowledged_by TEXT, resolved_at INTEGER);
CREATE INDEX alerts_model ON alerts(model, status, fired_at);
`,
  },
  {
    version: 10,
    name: 'dataset validations and model cards',
    sql: `
CREATE TABLE dataset_validations (
  id TEXT PRIMARY KEY, dataset_id TEXT NOT NULL REFERENCES datasets(id), reference_id TEXT REFERENCES datasets(id),
  errors INTEGER NOT NULL, warnings INTEGER NOT NULL, anomalies TEXT NOT NULL, drift TEXT, run_id TEXT, actor TEXT NOT NULL,
  created_at INTEGER NOT NULL);
CREATE INDEX dataset_validations_dataset ON dataset_validations(dataset_id, created_at);
CREATE TABLE model_cards (
  name TEXT NOT NULL, version INTEGER NOT NULL, text TEXT NOT NULL, updated_by TEXT NOT NULL, updated_at INTEGER NOT NULL,
  PRIMARY KEY (name, version), FOREIGN KEY (name, version) REFERENCES model_versions(name, version));
`,
  },
];

/** The migration's SQL for one dialect. */
export function forDialect(m: Migration, dialect: 'sqlite' | 'postgres'): string {
  if (dialect === 'sqlite') return m.sql + (m.sqlite ?? '');
  const pg = m.sql
    .replace(/INTEGER PRIMARY KEY AUTOINCREMENT/g, 'BIGSERIAL PRIMARY KEY')
    .replace(/\bINTEGER\b/g, 'BIGINT')
    .replace(/\bREAL\b/g, 'DOUBLE PRECISION')
    .replace(/\bTEXT\b/g, 'TEXT COLLATE "C"');
  return pg + (m.postgres ?? '');
}
