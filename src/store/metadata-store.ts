import type {
  ActualRecord,
  Alert,
  AlertStatus,
  MonitorWindowRow,
  PolicyRecord,
  ApiToken, Approval, ArtifactEntry, AuditEvent, DatasetValidation, DatasetVersion, Experiment, KeyValue, MetricPoint, ModelCard, ModelPolicy, ModelVersion, Page,
  PageRequest, PipelineSchedule, PredictionRecord, Principal, RegisteredModel, RetentionRule, Role, Run, RunStatus, StepRecord,
} from './types.ts';
import type { TrafficSpec } from './traffic.ts';

/*
 * Where Capstan records what happened, split by entity. Every backend (SQLite, PostgreSQL, and the SDK over REST) implements
 * these and passes the conformance suite in `conformance.ts`.
 *
 * Guarantees common to every method: atomic (all of its writes land or none do); durable once the promise resolves; errors are
 * CapstanErrors (NOT_FOUND, ALREADY_EXISTS, INVALID_ARGUMENT naming the field, PERMISSION_DENIED for governance rules).
 * Listings are ordered deterministically (ties broken by id) and paginated by opaque cursors.
 * Not guaranteed: ordering between different writers' calls; metric timestamps are the caller's.
 */

export interface ExperimentStore {
  /** ALREADY_EXISTS when the name is taken. */
  create(input: { name: string; artifactLocation?: string; tags?: Record<string, string> }): Promise<Experiment>;
  /** The experiment with this name, created when missing (idempotent, safe under concurrency). */
  ensure(name: string): Promise<Experiment>;
  get(id: string): Promise<Experiment>;
  getByName(name: string): Promise<Experiment>;
  /** Oldest first. */
  list(opts?: PageRequest & { includeDeleted?: boolean }): Promise<Page<Experiment>>;
  setTag(id: string, key: string, value: string): Promise<void>;
}

export interface RunSearch extends PageRequest {
  experimentIds?: string[];
  /** the filter language: `metrics.roc_auc > 0.8 and params.learner = 'gbdt' and tags.team = 'risk'` */
  filter?: string;
  /** e.g. `['metrics.roc_auc DESC', 'start_time ASC']`; default newest first */
  orderBy?: string[];
  includeDeleted?: boolean;
}

export interface RunStore {
  /** `experimentId`, or `experiment` by name (created when missing). */
  create(input: { experimentId?: string; experiment?: string; name: string; userId?: string; startTime?: number; tags?: Record<string, string> }): Promise<Run>;
  get(id: string): Promise<Run>;
  search(q?: RunSearch): Promise<Page<Run>>;
  update(id: string, patch: { status?: RunStatus; endTime?: number | null; name?: string }): Promise<Run>;
  /** Soft delete (lifecycle `deleted`): hidden from searches unless asked for, still readable by id. Idempotent. */
  delete(id: string): Promise<void>;
  /**
   * Metrics, params and tags in one all-or-nothing write: one bad item (a non-finite step, an over-long key, a param whose value
   * differs from the one already logged) stores nothing. Params are immutable: logging the same value again is a no-op.
   */
  logBatch(id: string, batch: { metrics?: MetricPoint[]; params?: KeyValue[]; tags?: KeyValue[] }): Promise<void>;
  /** Every point of one metric, by step then timestamp then arrival. */
  metricHistory(id: string, key: string): Promise<MetricPoint[]>;
  deleteTag(id: string, key: string): Promise<void>;

  /** Pipeline step records (idempotent per run and step name: the last write wins). */
  recordStep(step: StepRecord): Promise<void>;
  listSteps(runId: string): Promise<StepRecord[]>;
  /** Lineage: which dataset versions a run used, and in what role (train, test...). Idempotent. */
  linkDataset(runId: string, datasetId: string, role: string): Promise<void>;
  listDatasets(runId: string): Promise<(DatasetVersion & { role: string })[]>;
  /** Record that a run's artifact path holds the blob `digest` (replaces a previous entry for the path). */
  putArtifact(entry: Omit<ArtifactEntry, 'createdAt'>): Promise<ArtifactEntry>;
  getArtifact(runId: string, path: string): Promise<ArtifactEntry>;
  listArtifacts(runId: string): Promise<ArtifactEntry[]>;
}

export interface DatasetStore {
  /** The same (name, content hash) returns the existing version; new content gets the next version number. */
  register(input: { name: string; contentHash: string; source: string; rows: number; columns: number; schema?: unknown; profile?: unknown }): Promise<DatasetVersion>;
  /** Newest version first; the latest version of every dataset when `name` is absent. */
  list(name?: string): Promise<DatasetVersion[]>;
  /** A version, or the latest one. */
  get(name: string, version?: number): Promise<DatasetVersion>;
  /** Record a check of a version (audited as `dataset.validate`); the reference, when given, must exist. */
  addValidation(input: Omit<DatasetValidation, 'id' | 'createdAt'>): Promise<DatasetValidation>;
  /** The checks of a version, newest first (at most `limit`, default 20). */
  listValidations(name: string, version: number, opts?: { limit?: number }): Promise<DatasetValidation[]>;
}

export interface ModelStore {
  /** ALREADY_EXISTS when the name is taken. */
  createModel(input: { name: string; description?: string; tags?: Record<string, string>; actor: string }): Promise<RegisteredModel>;
  getModel(name: string): Promise<RegisteredModel>;
  /** By name; `nameLike` is a SQL LIKE pattern (case-sensitive). */
  listModels(opts?: PageRequest & { nameLike?: string }): Promise<Page<RegisteredModel>>;
  /** Tags under `capstan.` are reserved (INVALID_ARGUMENT): what they would control has its own typed method. */
  setModelTag(name: string, key: string, value: string, actor: string): Promise<void>;
  /** The model's governance policy (the fields given change); admin only, audited. */
  setPolicy(name: string, patch: Partial<ModelPolicy>, actor: Principal): Promise<RegisteredModel>;
  /**
   * Set (or clear, with null) how the bare name is split across versions. Every version given a weight above 0 passes the same
   * approval gate as a move of the served alias (see policy.ts); versions named must exist. Audited.
   */
  setTraffic(name: string, spec: TrafficSpec | null, actor: Principal): Promise<RegisteredModel>;

  /**
   * Append the next version (the registered model is created on first use). Versions are immutable, numbered without gaps
   * even with concurrent writers; lineage records the run's dataset versions at this moment.
   */
  createVersion(input: { name: string; runId: string | null; source: string; digest: string; task: string; metrics: Record<string, number>; signature?: unknown; description?: string; tags?: Record<string, string>; author: string }): Promise<ModelVersion>;
  getVersion(name: string, version: number): Promise<ModelVersion>;
  latestVersion(name: string): Promise<ModelVersion>;
  /** Oldest first. */
  listVersions(name: string, opts?: PageRequest): Promise<Page<ModelVersion>>;
  setVersionTag(name: string, version: number, key: string, value: string, actor: string): Promise<void>;
  /** Write (or replace) a version's card; audited as `model_version.card`. Up to 100 000 characters of markdown. */
  setCard(name: string, version: number, text: string, actor: string): Promise<ModelCard>;
  /** A version's card, or null when nobody wrote one (NOT_FOUND when the version does not exist). */
  getCard(name: string, version: number): Promise<ModelCard | null>;

  /**
   * Move (or create) an alias. Atomic: a reader sees the old version or the new one, never none or two. A protected alias needs
   * an approval of that version for that alias by someone other than the version's author (PERMISSION_DENIED otherwise).
   * Refusals are audited too (outside the refused change).
   */
  setAlias(name: string, alias: string, version: number, actor: Principal, reason?: string): Promise<void>;
  /** Removing a protected alias needs the approver role. */
  deleteAlias(name: string, alias: string, actor: Principal, reason?: string): Promise<void>;
  resolveAlias(name: string, alias: string): Promise<ModelVersion>;
  /** The version an alias points at, or null when the alias (or model) does not exist. */
  aliasVersion(name: string, alias: string): Promise<number | null>;

  /**
   * Approve `version` for `alias`. The approver needs the approver (or admin) role and must not be the version's author, unless
   * the model's policy allows self-approval (then recorded with `self`).
   */
  approve(input: { name: string; version: number; alias: string; approver: Principal; comment: string }): Promise<Approval>;
  listApprovals(name: string): Promise<Approval[]>;
}

/**
 * Append-only: every registry transition writes one event in the same transaction as the change itself; refusals of
 * governed changes are written on their own, after the refused change rolled back.
 */
export interface AuditStore {
  /** Record an event that is not a store change of its own (the server's refusals of requests); not offered over the API. */
  record(event: { actor: string; action: string; entity: string; detail: unknown }): Promise<void>;
  /** Oldest first; `entity` filters to one model (`NAME`) or a prefix (`NAME:`, `NAME@`). */
  list(opts?: PageRequest & { entity?: string }): Promise<Page<AuditEvent>>;
}

/** API tokens, stored as sha256 hashes (tokens are 192-bit random, so a fast hash is safe); the plain token is shown once. */
export interface TokenStore {
  create(input: { name: string; role: Role; actor: string }): Promise<{ token: string; info: ApiToken }>;
  /** The principal for a token, or null when unknown or revoked. */
  verify(token: string): Promise<Principal | null>;
  list(): Promise<ApiToken[]>;
  revoke(name: string, actor: string): Promise<void>;
  /** Grows with every revocation made through this instance: callers that cache `verify` results drop them when it moves. */
  readonly revocations: number;
}

/**
 * Pipeline schedules. The store keeps them and decides who fires one: `claim` moves a schedule's next time only if it is still
 * the one the caller read, so of several servers reading the same due schedule exactly one wins.
 */
export interface ScheduleStore {
  /** Create or replace a schedule (audited). */
  put(input: { name: string; spec: unknown; cron: string; params: Record<string, string>; nextAt: number; actor: string }): Promise<PipelineSchedule>;
  get(name: string): Promise<PipelineSchedule>;
  list(): Promise<PipelineSchedule[]>;
  delete(name: string, actor: string): Promise<void>;
  /** Move the next time from `expected` to `nextAt`; true for the one caller that did. */
  claim(name: string, expected: number, nextAt: number): Promise<boolean>;
  /** Record the run a firing started. */
  fired(name: string, runId: string, at: number): Promise<void>;
}

/**
 * The prediction log: what served models were asked and answered, one record per request (its rows inside), for monitoring
 * and for joining actuals later by prediction id. Appends are batched by the server; a record is never changed.
 */
export interface PredictionStore {
  /** Append records (ids unique; a repeated id is ignored, so a retried batch does not log twice). */
  append(records: PredictionRecord[]): Promise<void>;
  get(id: string): Promise<PredictionRecord>;
  /** Newest last, by time then id; `since` in epoch milliseconds. */
  list(opts: PageRequest & { model?: string; since?: number }): Promise<Page<PredictionRecord>>;
  /**
   * Delete records past a retention rule, oldest first: at most `limit` stored batches in one short transaction, so serving
   * writes wait at most that long. Returns how many records it deleted; call again until it returns 0.
   */
  prune(rule: RetentionRule, opts?: { now?: number; limit?: number }): Promise<number>;
}

/**
 * Monitoring's persisted side: windows of aggregates written by serving processes (added up when read, so any number of
 * workers and restarts count once each), compacted from minutes into hours, and actuals joined to their predictions.
 */
export interface MonitorStore {
  /** Add partial windows (a serving process's counts since its last flush). */
  addWindows(rows: MonitorWindowRow[]): Promise<void>;
  /** A model's rows starting in [since, until), oldest first; one version's with `version`. */
  windows(model: string, opts: { since: number; until: number; version?: string }): Promise<MonitorWindowRow[]>;
  /**
   * Merge rows of `fromSpanMs` that start before `before` into one row per (model, version, `toSpanMs` period), in one
   * transaction (`merge` adds stats up); at most `limit` rows per call. Returns how many rows were merged away.
   */
  compact(opts: { fromSpanMs: number; toSpanMs: number; before: number; merge: (stats: string[]) => string; limit?: number }): Promise<number>;
  /** Store actuals; one already stored for the same prediction and row is kept (an upload retried counts once). */
  putActuals(records: ActualRecord[]): Promise<{ inserted: number; duplicates: number }>;
  /** A model's actuals for predictions answered in [since, until), oldest first. */
  actuals(model: string, opts: { since: number; until: number; version?: string }): Promise<ActualRecord[]>;
  /** Apply a model's monitoring policy as its next version (audited). */
  putPolicy(model: string, spec: unknown, actor: string): Promise<PolicyRecord>;
  /** The latest policy of a model, or the version asked for. */
  getPolicy(model: string, version?: number): Promise<PolicyRecord>;
  /** Every model's latest policy. */
  listPolicies(): Promise<PolicyRecord[]>;
  /**
   * A rule's figure crossed its threshold: open an alert (audited) unless one is open for the rule, whose value is then
   * updated. `created` says which.
   */
  openAlert(input: { model: string; rule: string; value: number; threshold: number; detail: Record<string, unknown>; at?: number }): Promise<{ alert: Alert; created: boolean }>;
  /** A rule's figure came back: resolve its open alert (audited); null when none was open. */
  resolveAlert(model: string, rule: string, value: number, at?: number): Promise<Alert | null>;
  /** Someone has seen a firing alert (audited); an alert already resolved cannot be. */
  acknowledgeAlert(id: string, actor: string): Promise<Alert>;
  /** Newest first. */
  listAlerts(opts?: { model?: string; status?: AlertStatus }): Promise<Alert[]>;
}

export interface MetadataStore {
  readonly experiments: ExperimentStore;
  readonly runs: RunStore;
  readonly datasets: DatasetStore;
  readonly models: ModelStore;
  readonly audit: AuditStore;
  readonly tokens: TokenStore;
  readonly predictions: PredictionStore;
  readonly schedules: ScheduleStore;
  readonly monitor: MonitorStore;
  close(): Promise<void>;
}
