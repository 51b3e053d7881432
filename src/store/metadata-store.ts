import type { DatasetVersion, ModelVersion, RegisteredModel, Run, RunStatus, StepRecord } from './types.ts';

/**
 * Where Capstan records what happened. Every backend (SQLite, PostgreSQL) implements this and passes the conformance suite in
 * `conformance.ts`.
 *
 * Guarantees: each method is atomic (all of its writes land or none do) and durable once its promise resolves; version numbers
 * are assigned without gaps or duplicates even with concurrent writers; an alias points at exactly one version at any instant.
 * Not guaranteed: ordering between different runs' writes; metric timestamps are the caller's.
 */
export interface MetadataStore {
  createRun(input: { experiment: string; name: string; tags?: Record<string, string> }): Promise<Run>;
  getRun(id: string): Promise<Run>;
  listRuns(opts?: { experiment?: string; limit?: number }): Promise<Run[]>;
  endRun(id: string, status: Exclude<RunStatus, 'RUNNING'>): Promise<void>;
  logParams(runId: string, params: Record<string, string | number>): Promise<void>;
  logMetrics(runId: string, metrics: Record<string, number>, step?: number): Promise<void>;
  setTags(runId: string, tags: Record<string, string>): Promise<void>;

  recordStep(step: StepRecord): Promise<void>;
  listSteps(runId: string): Promise<StepRecord[]>;

  /** The same (name, content hash) returns the existing version; new content gets the next version number. */
  registerDataset(input: { name: string; contentHash: string; source: string; rows: number; columns: number; schema?: unknown; profile?: unknown }): Promise<DatasetVersion>;
  /** Newest version first; every dataset name when `name` is absent. */
  listDatasets(name?: string): Promise<DatasetVersion[]>;
  /** A version, or the latest one. */
  getDataset(name: string, version?: number): Promise<DatasetVersion>;
  linkRunDataset(runId: string, datasetId: string, role: string): Promise<void>;
  listRunDatasets(runId: string): Promise<(DatasetVersion & { role: string })[]>;

  /** Creates the registered model on first use and appends the next version. */
  createModelVersion(input: { name: string; runId: string | null; source: string; digest: string; task: string; metrics: Record<string, number> }): Promise<ModelVersion>;
  getModelVersion(name: string, version: number): Promise<ModelVersion>;
  /** Move (or create) an alias to a version; the move is atomic and audited. */
  setAlias(name: string, alias: string, version: number, actor: string): Promise<void>;
  resolveAlias(name: string, alias: string): Promise<ModelVersion>;
  /** The version an alias points at, or null when the alias (or model) does not exist. */
  aliasVersion(name: string, alias: string): Promise<number | null>;
  latestModelVersion(name: string): Promise<ModelVersion>;
  listModels(): Promise<RegisteredModel[]>;
  listModelVersions(name: string): Promise<ModelVersion[]>;

  close(): Promise<void>;
}
