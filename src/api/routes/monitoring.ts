import { Type } from '../typebox.ts';
import { route } from '../contract.ts';
import { Int, Millis } from '../schema.ts';

const tag = 'monitoring';
export const MAX_ACTUALS_BATCH = 10_000;

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const FeatureDrift = Type.Object(
  {
    name: Type.String(),
    kind: Type.Union([Type.Literal('numeric'), Type.Literal('categorical')]),
    status: Type.Union([Type.Literal('tested'), Type.Literal('empty'), Type.Literal('all_missing'), Type.Literal('too_few')], { description: 'tested, or why not: no rows, only missing values, fewer than two values on a side' }),
    test: Nullable(Type.Union([Type.Literal('ks'), Type.Literal('wasserstein'), Type.Literal('psi'), Type.Literal('chi_squared'), Type.Literal('jensen_shannon')])),
    statistic: Nullable(Type.Number()),
    pValue: Nullable(Type.Number()),
    threshold: Nullable(Type.Number()),
    drifted: Type.Boolean(),
    referenceCount: Type.Number(),
    currentCount: Type.Number(),
    missingShare: Type.Number(),
    binned: Type.Boolean(),
    importance: Type.Optional(Type.Number()),
  },
  { title: 'FeatureDrift' },
);

export const DatasetDrift = Type.Object(
  { features: Type.Array(FeatureDrift), drifted: Type.Array(Type.String(), { description: 'most important first' }), share: Type.Number(), datasetShare: Type.Number(), datasetDrift: Type.Boolean() },
  { title: 'DatasetDrift' },
);

export const WindowReport = Type.Object(
  {
    start: Millis,
    end: Millis,
    health: Type.Object({
      requests: Type.Integer(),
      rows: Type.Integer(),
      errors: Type.Integer(),
      errorRate: Type.Number(),
      latencyMs: Type.Object({ mean: Nullable(Type.Number()), p50: Nullable(Type.Number()), p95: Nullable(Type.Number()), p99: Nullable(Type.Number()) }),
    }),
    quality: Type.Array(Type.Object({ name: Type.String(), missing: Type.Number(), outOfRange: Type.Number(), unseen: Type.Number() })),
    drift: DatasetDrift,
    predictionDrift: Nullable(FeatureDrift),
    accuracy: Type.Object({
      labelled: Type.Integer(),
      pending: Type.Integer(),
      metrics: Type.Record(Type.String(), Type.Number()),
      training: Type.Record(Type.String(), Type.Number()),
      change: Nullable(Type.Object({ metric: Type.String(), now: Type.Number(), training: Type.Number(), delta: Type.Number() })),
    }),
    humility: Type.Record(Type.String(), Type.Integer()),
  },
  { title: 'WindowReport' },
);

const Paired = Type.Object({ metric: Type.String(), rows: Type.Integer(), champion: Type.Number(), challenger: Type.Number(), delta: Type.Number(), interval: Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }), better: Type.Boolean(), worse: Type.Boolean() }, { title: 'PairedComparison' });

export const drift = route({
  method: 'GET', path: '/api/v1/models/:name/drift', role: 'viewer', tag, summary: 'Live drift of a served model against its training baseline, as this serving process has seen it since it started',
  query: Type.Object({ version: Type.Optional(Type.String()) }),
  responses: { 200: Type.Object({ name: Type.String(), version: Type.String(), rows: Type.Integer({ minimum: 0 }), ...DatasetDrift.properties, predictionDrift: Nullable(FeatureDrift) }, { title: 'LiveDrift' }) },
});

export const monitorModel = route({
  method: 'GET', path: '/api/v1/monitor/:name', role: 'viewer', tag,
  summary: 'Monitoring of a model per window, from every serving process: health, data quality, feature and prediction drift, accuracy from actuals (window: 1h, 6h, 1d... whole hours; default 1h, over the last 24 windows)',
  query: Type.Object({ window: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}[hd]$', description: 'hours (h) or days (d), e.g. 1h, 1d' })), since: Type.Optional(Millis), until: Type.Optional(Millis), version: Type.Optional(Type.String()), referenceSince: Type.Optional(Millis), referenceUntil: Type.Optional(Millis) }),
  responses: {
    200: Type.Object(
      { name: Type.String(), windowMs: Type.Integer(), since: Millis, until: Millis, versions: Type.Array(Type.Object({ version: Type.String(), total: WindowReport, windows: Type.Array(WindowReport) })) },
      { title: 'MonitorReport' },
    ),
  },
});

export const ActualInput = Type.Object({
  id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'the prediction id the answer carried' }),
  row: Type.Optional(Int(0, 'the row within a multi-row request (default 0)')),
  value: Type.Union([Type.String({ maxLength: 1024 }), Type.Number()], { description: 'the true label (classification) or value (regression)' }),
});

export const postActuals = route({
  method: 'POST', path: '/api/v1/actuals', role: 'member', tag,
  summary: 'Ground truth for logged predictions, joined by prediction id (and row); an actual already stored for the same prediction and row is kept, so a retried upload counts once',
  body: Type.Object({ actuals: Type.Array(ActualInput, { minItems: 1, maxItems: MAX_ACTUALS_BATCH, description: `1 to ${MAX_ACTUALS_BATCH} actuals` }) }),
  responses: { 200: Type.Object({ inserted: Type.Integer(), duplicates: Type.Integer(), unmatched: Type.Array(Type.String(), { description: 'ids (and id/row) with no logged prediction: not stored' }) }) },
});

export const PolicyRecord = Type.Object({ model: Type.String(), version: Type.Integer({ minimum: 1 }), spec: Type.Unknown(), createdBy: Type.String(), createdAt: Millis }, { title: 'PolicyRecord' });
export const Alert = Type.Object(
  {
    id: Type.String(),
    model: Type.String(),
    rule: Type.String(),
    status: Type.Union([Type.Literal('firing'), Type.Literal('acknowledged'), Type.Literal('resolved')]),
    value: Type.Number(),
    threshold: Type.Number(),
    detail: Type.Record(Type.String(), Type.Unknown()),
    firedAt: Millis,
    updatedAt: Millis,
    acknowledgedBy: Nullable(Type.String()),
    resolvedAt: Nullable(Millis),
  },
  { title: 'Alert' },
);

export const putPolicy = route({
  method: 'PUT', path: '/api/v1/policies/:name', role: 'admin', tag,
  summary: "Apply a model's monitoring policy (alert rules on monitored figures, webhooks to notify) as its next version; audited",
  body: Type.Object({ model: Type.Optional(Type.String()), window: Type.Optional(Type.String()), alerts: Type.Optional(Type.Array(Type.Unknown())), notify: Type.Optional(Type.Array(Type.Unknown())) }, { additionalProperties: true }),
  responses: { 200: PolicyRecord },
});
export const getPolicy = route({
  method: 'GET', path: '/api/v1/policies/:name', role: 'viewer', tag, summary: "A model's monitoring policy (the latest, or ?version=N)",
  query: Type.Object({ version: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,8}$' })) }),
  responses: { 200: PolicyRecord },
});
export const listPolicies = route({ method: 'GET', path: '/api/v1/policies', role: 'viewer', tag, summary: "Every model's latest monitoring policy", responses: { 200: Type.Object({ items: Type.Array(PolicyRecord) }) } });
export const listAlerts = route({
  method: 'GET', path: '/api/v1/alerts', role: 'viewer', tag, summary: 'Alerts, newest first (?model=NAME, ?status=firing|acknowledged|resolved)',
  query: Type.Object({ model: Type.Optional(Type.String()), status: Type.Optional(Type.Union([Type.Literal('firing'), Type.Literal('acknowledged'), Type.Literal('resolved')])) }),
  responses: { 200: Type.Object({ items: Type.Array(Alert) }) },
});
export const acknowledgeAlert = route({ method: 'POST', path: '/api/v1/alerts/:alertId/ack', role: 'member', tag, summary: 'Acknowledge a firing alert (audited)', responses: { 200: Alert } });
export const evaluateAlerts = route({
  method: 'POST', path: '/api/v1/alerts/evaluate', role: 'admin', tag, summary: "Evaluate every model's alert rules now (the server also does every minute) and send the notifications",
  responses: { 200: Type.Object({ items: Type.Array(Type.Object({ model: Type.String(), rule: Type.String(), value: Nullable(Type.Number()), state: Type.String(), notified: Type.Array(Type.Object({ url: Type.String(), ok: Type.Boolean(), attempts: Type.Integer(), error: Nullable(Type.String()) })) })) }) },
});

export const predictionLineage = route({
  method: 'GET', path: '/api/v1/lineage/prediction/:predictionId', role: 'viewer', tag,
  summary: 'Where a prediction came from and what followed: model version, training run (pipeline run and steps), dataset versions, its actuals, the deployment, alerts and later versions; one call',
  responses: {
    200: Type.Object(
      {
        prediction: Type.Object({ id: Type.String(), model: Type.String(), version: Type.String(), at: Millis, rows: Type.Integer(), latencyMs: Type.Number(), shadow: Type.Boolean(), outputs: Type.Record(Type.String(), Type.Unknown()) }),
        actuals: Type.Array(Type.Object({ row: Type.Integer(), actual: Type.Union([Type.String(), Type.Number()]), receivedAt: Millis })),
        modelVersion: Nullable(Type.Object({ name: Type.String(), version: Type.Integer(), digest: Type.String(), source: Type.String(), author: Type.String(), createdAt: Millis, metrics: Type.Record(Type.String(), Type.Number()), aliases: Type.Array(Type.String()), task: Type.String() })),
        trainingRun: Nullable(Type.Object({ id: Type.String(), name: Type.String(), status: Type.String(), startedAt: Millis, endedAt: Nullable(Millis), kind: Nullable(Type.String()), params: Type.Record(Type.String(), Type.String()), metrics: Type.Record(Type.String(), Type.Unknown()), steps: Type.Array(Type.Object({ name: Type.String(), status: Type.String(), runId: Type.String() })) })),
        datasets: Type.Array(Type.Object({ name: Type.String(), version: Type.Integer(), role: Type.String(), contentHash: Nullable(Type.String()), rows: Nullable(Type.Integer()) })),
        deployment: Type.Object({ aliases: Type.Array(Type.String()), trafficWeight: Nullable(Type.Number()), shadow: Type.Boolean() }),
        alertsSince: Type.Array(Type.Object({ id: Type.String(), rule: Type.String(), status: Type.String(), value: Type.Number(), firedAt: Millis })),
        laterVersions: Type.Array(Type.Object({ version: Type.Integer(), runId: Nullable(Type.String()), createdAt: Millis, aliases: Type.Array(Type.String()), retrainedBy: Nullable(Type.String()) })),
      },
      { title: 'PredictionLineage' },
    ),
  },
});


export const replayModel = route({
  method: 'POST', path: '/api/v1/replay', role: 'member', tag,
  summary: "Replay a window of a model's logged requests against another version offline: agreement with what was served and, on rows with actuals, both versions' metric with a paired bootstrap interval",
  body: Type.Object({ model: Type.String(), challenger: Type.String({ description: 'NAME:VERSION or NAME@ALIAS, or "shadow": the model\'s shadow answers from the log' }), since: Millis, until: Type.Optional(Millis), limit: Type.Optional(Int(1)) }),
  responses: {
    200: Type.Object(
      { model: Type.String(), champion: Type.Object({ version: Type.String() }), challenger: Type.Object({ name: Type.String(), version: Nullable(Type.Integer()) }), requests: Type.Integer(), rows: Type.Integer(), agreement: Nullable(Type.Number()), meanAbsDiff: Type.Number(), accuracy: Nullable(Paired) },
      { title: 'ReplayReport' },
    ),
  },
});

const HumilityRules = Type.Object(
  {
    name: Type.String(),
    version: Type.Integer(),
    rules: Type.Array(
      Type.Object({
        name: Type.String(),
        when: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String()]), { description: '{confidenceBelow: P}, {outsideRange: FEATURE or "*"} or {unseenCategory: FEATURE or "*"}' }),
        action: Type.Union([Type.Literal('flag'), Type.Literal('refuse'), Type.Object({ replace: Type.Union([Type.String(), Type.Number()]) })], { description: 'majority and mean are shown as the value they replace with' }),
      }),
    ),
  },
  { title: 'HumilityRules' },
);
export const getHumility = route({
  method: 'GET', path: '/api/v1/models/:name/versions/:version/humility', role: 'viewer', tag,
  summary: "A model version's humility rules (an empty list: none)", responses: { 200: HumilityRules },
});
export const putHumility = route({
  method: 'PUT', path: '/api/v1/models/:name/versions/:version/humility', role: 'member', tag,
  summary: "Set a model version's humility rules (checked against its signature; null or [] clears them); audited as its `humility` tag, applied by servers when they next load the version",
  body: Type.Object({ rules: Type.Union([Type.Array(Type.Unknown()), Type.Null()], { description: 'a list of {name, when, action}: action flag, refuse, majority, mean or {replace: VALUE}' }) }),
  responses: { 200: HumilityRules },
});
