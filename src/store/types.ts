import type { TrafficSpec } from './traffic.ts';

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];
export type Lifecycle = 'active' | 'deleted';

/** One page of a listing; pass `nextCursor` back as `cursor` for the next page (null: this was the last one). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  /** 1..1000, default 100 */
  limit?: number;
  cursor?: string | null;
}

export interface Experiment {
  id: string;
  name: string;
  lifecycle: Lifecycle;
  artifactLocation: string;
  createdAt: number;
  updatedAt: number;
  tags: Record<string, string>;
}

export interface Run {
  id: string;
  experimentId: string;
  name: string;
  status: RunStatus;
  lifecycle: Lifecycle;
  userId: string;
  startedAt: number;
  endedAt: number | null;
  params: Record<string, string>;
  /** latest value per key (highest step, then latest timestamp); NaN is a value */
  metrics: Record<string, number>;
  /** the step and timestamp of each metric's latest value */
  metricTimes: Record<string, { step: number; timestamp: number }>;
  tags: Record<string, string>;
}

export interface MetricPoint {
  key: string;
  value: number;
  step: number;
  timestamp: number;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface StepRecord {
  runId: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';
  startedAt: number;
  endedAt: number | null;
  error: string | null;
}

export interface DatasetVersion {
  id: string;
  name: string;
  version: number;
  contentHash: string;
  source: string;
  rows: number;
  columns: number;
  createdAt: number;
  /** the inferred schema and profile (JSON), when registered through the data layer */
  schema?: unknown;
  profile?: unknown;
}

/** One finding of a validation (the data layer's anomaly kinds: missing_column, type_mismatch, out_of_range, ...). */
export interface ValidationAnomaly {
  kind: string;
  severity: 'error' | 'warning';
  column: string | null;
  message: string;
}

/** One column's drift test in a validation against a baseline. */
export interface ValidationDrift {
  name: string;
  test: string | null;
  statistic: number | null;
  threshold: number | null;
  drifted: boolean;
}

/**
 * A dataset version checked against a reference (a version's schema and profile, or a schema file): its anomalies and, with a
 * baseline, its drift per column. Kept with the version, newest first, so the anomalies of every check stay readable.
 */
export interface DatasetValidation {
  id: string;
  /** the version checked */
  name: string;
  version: number;
  /** the version it was checked against; null for a schema file given by hand */
  reference: { name: string; version: number } | null;
  errors: number;
  warnings: number;
  anomalies: ValidationAnomaly[];
  /** per-column drift against the reference's profile, with the data set's verdict; null without a baseline */
  drift: { datasetDrift: boolean; share: number; features: ValidationDrift[] } | null;
  /** the run whose step checked it, when a pipeline did */
  runId: string | null;
  actor: string;
  createdAt: number;
}

/** A model version's card: what it is for, its limits, who should not use it (markdown written by people), audited. */
export interface ModelCard {
  name: string;
  version: number;
  text: string;
  updatedBy: string;
  updatedAt: number;
}

export interface ArtifactEntry {
  runId: string;
  /** validated relative path inside the run, `/`-separated */
  path: string;
  /** sha256 of the content, the blob's name in the artifact store */
  digest: string;
  size: number;
  createdAt: number;
}

export interface ModelVersion {
  name: string;
  version: number;
  runId: string | null;
  /** bundle directory, relative to the artifact root */
  source: string;
  digest: string;
  task: string;
  metrics: Record<string, number>;
  createdAt: number;
  aliases: string[];
  /** who registered it (the token's name); approvals of protected aliases must come from someone else */
  author: string;
  description: string;
  /** input/output signature from the bundle, when known */
  signature: unknown;
  /** where it came from: the run and the dataset versions that run used */
  lineage: { runId?: string | null; datasets?: { id: string; name: string; version: number; role: string }[] };
  tags: Record<string, string>;
}

/** A model's governance: which aliases need an approval to move, and whether an author may approve their own version. */
export interface ModelPolicy {
  /** default `champion` (what the server answers the bare name with) and `production` */
  protectedAliases: string[];
  /** default false: approvals come from someone other than the version's author (four eyes) */
  selfApproval: boolean;
}

export interface RegisteredModel {
  name: string;
  createdAt: number;
  updatedAt: number;
  description: string;
  latestVersion: number;
  aliases: Record<string, number>;
  tags: Record<string, string>;
  policy: ModelPolicy;
  /** how the bare name is split across versions (canary, shadow, sticky); null: the champion answers */
  traffic: TrafficSpec | null;
}

export interface Approval {
  id: number;
  name: string;
  version: number;
  alias: string;
  approver: string;
  comment: string;
  at: number;
  /** approved by the version's own author, as the model's policy allowed */
  self: boolean;
}

export interface AuditEvent {
  id: number;
  at: number;
  actor: string;
  action: string;
  entity: string;
  detail: unknown;
}

export type Role = 'viewer' | 'member' | 'approver' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'member', 'approver', 'admin'];

/** Who is acting: a token's name and role (the admin token is `admin`). */
export interface Principal {
  name: string;
  role: Role;
}

export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  createdAt: number;
  revokedAt: number | null;
}

/** One answered prediction request: its inputs (rows of values in signature order) and outputs, as served. */
export interface PredictionRecord {
  id: string;
  model: string;
  version: string;
  /** epoch milliseconds when it was answered */
  at: number;
  latencyMs: number;
  rows: number;
  /** column names, then one array of values per row */
  features: { columns: string[]; rows: (number | string | null)[][] };
  /** what was returned: labels and probabilities, or values */
  outputs: Record<string, unknown>;
  /** answered by a shadow version: logged, never returned to the caller */
  shadow: boolean;
}

/** How long the prediction log keeps records: by age, by count (the newest kept), or both; one model's, or every model's. */
export interface RetentionRule {
  /** only this model's records (default: the rule applies to each model's records together, i.e. the whole log) */
  model?: string;
  /** delete records older than this many milliseconds */
  maxAgeMs?: number;
  /** keep at most about this many of the newest records (whole batches are kept, so up to one batch more) */
  maxRecords?: number;
}

/** A pipeline run on a cron schedule, fired by `capstan server` (once, whichever server claims it). */
export interface PipelineSchedule {
  name: string;
  /** the pipeline spec (JSON) */
  spec: unknown;
  /** five fields: minute hour day-of-month month day-of-week (UTC) */
  cron: string;
  params: Record<string, string>;
  /** when it fires next (epoch ms) */
  nextAt: number;
  lastAt: number | null;
  lastRunId: string | null;
  createdBy: string;
  createdAt: number;
}

/**
 * A monitoring window's aggregates as written by a serving process: opaque JSON to the store (the monitor layer knows its
 * shape and how two add up). Several rows may cover the same period (workers, flushes); they add.
 */
export interface MonitorWindowRow {
  model: string;
  version: string;
  /** epoch milliseconds, a multiple of spanMs */
  start: number;
  spanMs: number;
  stats: string;
}

/** A prediction's ground truth, joined to what was predicted (by prediction id, and row within a multi-row request). */
export interface ActualRecord {
  predictionId: string;
  row: number;
  model: string;
  version: string;
  /** when the prediction was answered (the window its accuracy counts in) */
  predictedAt: number;
  actual: string | number;
  /** what the model answered for that row: class probabilities (classification) or the value (regression) */
  output: number[] | number;
  receivedAt: number;
}

/** A model's monitoring policy as applied: each apply is a new version (the store keeps every one; the latest applies). */
export interface PolicyRecord {
  model: string;
  version: number;
  /** the checked policy document */
  spec: unknown;
  createdBy: string;
  createdAt: number;
}

export type AlertStatus = 'firing' | 'acknowledged' | 'resolved';

/** An alert rule's firing, from the moment its figure crossed the threshold until it came back (at most one open per rule). */
export interface Alert {
  id: string;
  model: string;
  rule: string;
  status: AlertStatus;
  /** the figure when it fired, then as last evaluated */
  value: number;
  threshold: number;
  detail: Record<string, unknown>;
  firedAt: number;
  updatedAt: number;
  acknowledgedBy: string | null;
  resolvedAt: number | null;
}
