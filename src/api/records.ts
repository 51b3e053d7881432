import { Type } from './typebox.ts';
import { AnyJson, Double, Id, Lifecycle, Millis, Role, RunStatus, StringMap } from './schema.ts';

/*
 * The records the API answers with: the stores' records as JSON (doubles per the protobuf mapping). The server's handlers
 * return the stores' types where these are expected, so the compiler checks that the two agree.
 */

export const Experiment = Type.Object(
  { id: Id, name: Type.String(), lifecycle: Lifecycle, artifactLocation: Type.String(), createdAt: Millis, updatedAt: Millis, tags: StringMap },
  { title: 'Experiment' },
);

export const Run = Type.Object(
  {
    id: Id,
    experimentId: Id,
    name: Type.String(),
    status: RunStatus,
    lifecycle: Lifecycle,
    userId: Type.String(),
    startedAt: Millis,
    endedAt: Type.Union([Millis, Type.Null()]),
    params: StringMap,
    metrics: Type.Record(Type.String(), Double, { description: 'the latest value of each metric' }),
    metricTimes: Type.Record(Type.String(), Type.Object({ step: Type.Integer(), timestamp: Type.Integer() }), { description: 'step and time of each latest value' }),
    tags: StringMap,
  },
  { title: 'Run' },
);

export const MetricPoint = Type.Object({ key: Type.String(), value: Double, step: Type.Integer(), timestamp: Type.Integer() }, { title: 'MetricPoint' });
export const KeyValue = Type.Object({ key: Type.String(), value: Type.String() }, { title: 'KeyValue' });

export const StepRecord = Type.Object(
  {
    runId: Id,
    name: Type.String(),
    status: Type.Union([Type.Literal('RUNNING'), Type.Literal('SUCCEEDED'), Type.Literal('FAILED'), Type.Literal('SKIPPED')]),
    startedAt: Millis,
    endedAt: Type.Union([Millis, Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'StepRecord' },
);

const datasetFields = {
  id: Id,
  name: Type.String(),
  version: Type.Integer({ minimum: 1 }),
  contentHash: Type.String(),
  source: Type.String(),
  rows: Type.Integer({ minimum: 0 }),
  columns: Type.Integer({ minimum: 0 }),
  createdAt: Millis,
};
/** A dataset version in lists: without its schema and profile documents. */
export const DatasetSummary = Type.Object(datasetFields, { title: 'DatasetSummary' });
export const DatasetVersion = Type.Object({ ...datasetFields, schema: Type.Optional(AnyJson), profile: Type.Optional(AnyJson) }, { title: 'DatasetVersion' });
const ValidationRef = Type.Object({ name: Type.String(), version: Type.Integer({ minimum: 1 }) });
/** What a validation found (as stored): the anomalies and, against a baseline, the drift per column. */
export const ValidationFindings = {
  errors: Type.Integer({ minimum: 0 }),
  warnings: Type.Integer({ minimum: 0 }),
  anomalies: Type.Array(
    Type.Object({
      kind: Type.String({ description: 'missing_column, type_mismatch, out_of_domain, out_of_range, missing_ratio, distribution_shift, ...' }),
      severity: Type.Union([Type.Literal('error'), Type.Literal('warning')]),
      column: Type.Union([Type.String(), Type.Null()]),
      message: Type.String(),
    }),
    { maxItems: 10_000 },
  ),
  drift: Type.Union([
    Type.Object({
      datasetDrift: Type.Boolean(),
      share: Type.Number(),
      features: Type.Array(
        Type.Object({ name: Type.String(), test: Type.Union([Type.String(), Type.Null()]), statistic: Type.Union([Type.Number(), Type.Null()]), threshold: Type.Union([Type.Number(), Type.Null()]), drifted: Type.Boolean() }),
        { maxItems: 10_000 },
      ),
    }),
    Type.Null(),
  ]),
  reference: Type.Union([ValidationRef, Type.Null()], { description: 'the dataset version checked against (its schema and profile); null for a schema file' }),
  runId: Type.Union([Id, Type.Null()], { description: 'the pipeline run whose step checked it' }),
};
export const DatasetValidation = Type.Object(
  { id: Id, name: Type.String(), version: Type.Integer({ minimum: 1 }), ...ValidationFindings, actor: Type.String(), createdAt: Millis },
  { title: 'DatasetValidation' },
);
export const ModelCard = Type.Object(
  { name: Type.String(), version: Type.Integer({ minimum: 1 }), text: Type.String({ description: 'markdown' }), updatedBy: Type.String(), updatedAt: Millis },
  { title: 'ModelCard' },
);
export const RunDataset = Type.Object({ ...datasetFields, role: Type.String({ description: 'what the run used it for (train, test, ...)' }) }, { title: 'RunDataset' });

export const ArtifactEntry = Type.Object(
  { runId: Id, path: Type.String(), digest: Type.String({ description: 'sha256 of the content, hex' }), size: Type.Integer({ minimum: 0 }), createdAt: Millis },
  { title: 'ArtifactEntry' },
);

export const VersionPick = Type.Union([Type.Object({ version: Type.Integer({ minimum: 1 }) }), Type.Object({ alias: Type.String() })], {
  description: '{"version": N} or {"alias": NAME}',
});
export const TrafficSpec = Type.Object(
  {
    routes: Type.Array(
      Type.Union([Type.Object({ version: Type.Integer({ minimum: 1 }), weight: Type.Number({ minimum: 0 }) }), Type.Object({ alias: Type.String(), weight: Type.Number({ minimum: 0 }) })], {
        description: '{"version": N, "weight": W} or {"alias": NAME, "weight": W}',
      }),
      { minItems: 1, maxItems: 10, description: 'an array of 1 to 10 routes' },
    ),
    shadow: Type.Optional(VersionPick),
    stickyHeader: Type.Optional(Type.String({ description: 'a request header whose value pins a caller to one route' })),
  },
  { title: 'TrafficSpec', additionalProperties: false },
);

export const ModelPolicy = Type.Object(
  { protectedAliases: Type.Array(Type.String()), selfApproval: Type.Boolean() },
  { title: 'ModelPolicy', description: 'aliases whose moves need an approval; whether an author may approve their own version' },
);

export const RegisteredModel = Type.Object(
  {
    name: Type.String(),
    createdAt: Millis,
    updatedAt: Millis,
    description: Type.String(),
    latestVersion: Type.Integer({ minimum: 0 }),
    aliases: Type.Record(Type.String(), Type.Integer({ minimum: 1 })),
    tags: StringMap,
    policy: ModelPolicy,
    traffic: Type.Union([TrafficSpec, Type.Null()]),
  },
  { title: 'RegisteredModel' },
);

export const ModelVersion = Type.Object(
  {
    name: Type.String(),
    version: Type.Integer({ minimum: 1 }),
    runId: Type.Union([Id, Type.Null()]),
    source: Type.String({ description: 'where the bundle is, in the artifact store' }),
    digest: Type.String(),
    task: Type.String(),
    metrics: Type.Record(Type.String(), Double),
    createdAt: Millis,
    aliases: Type.Array(Type.String()),
    author: Type.String(),
    description: Type.String(),
    signature: AnyJson,
    lineage: Type.Object({
      runId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      datasets: Type.Optional(Type.Array(Type.Object({ id: Type.String(), name: Type.String(), version: Type.Integer(), role: Type.String() }))),
    }),
    tags: StringMap,
  },
  { title: 'ModelVersion' },
);

export const Approval = Type.Object(
  { id: Type.Integer(), name: Type.String(), version: Type.Integer({ minimum: 1 }), alias: Type.String(), approver: Type.String(), comment: Type.String(), at: Millis, self: Type.Boolean() },
  { title: 'Approval' },
);

export const AuditEvent = Type.Object(
  { id: Type.Integer(), at: Millis, actor: Type.String(), action: Type.String(), entity: Type.String(), detail: AnyJson },
  { title: 'AuditEvent' },
);

export const Principal = Type.Object({ name: Type.String(), role: Role }, { title: 'Principal' });
export const ApiToken = Type.Object(
  { id: Type.String(), name: Type.String(), role: Role, createdAt: Millis, revokedAt: Type.Union([Millis, Type.Null()]) },
  { title: 'ApiToken' },
);

const Cell = Type.Union([Type.Number(), Type.String(), Type.Null()]);
export const PredictionFeatures = Type.Object(
  { columns: Type.Array(Type.String()), rows: Type.Array(Type.Array(Cell)) },
  { description: '{columns: [names], rows: [[values], ...]} with one value per column' },
);
export const PredictionRecord = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: '1 to 64 letters, digits, "_" or "-"' }),
    model: Type.String({ minLength: 1, maxLength: 256 }),
    version: Type.String({ minLength: 1, maxLength: 32 }),
    at: Type.Number({ minimum: 0 }),
    latencyMs: Type.Number({ minimum: 0 }),
    rows: Type.Integer({ minimum: 0 }),
    features: PredictionFeatures,
    outputs: Type.Record(Type.String(), AnyJson),
    shadow: Type.Boolean(),
  },
  { title: 'PredictionRecord' },
);
