/** Versioned schema changes, applied in order inside one transaction each; never edit a shipped migration, add a new one. */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
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
];
