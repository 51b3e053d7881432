import { Type } from '../typebox.ts';
import { route } from '../contract.ts';
import { ArtifactEntry, Experiment, KeyValue, MetricPoint, Run, RunDataset, StepRecord } from '../records.ts';
import { Double, Id, Int, Items, Millis, Page, PageQuery, RunStatus, Str, StringMap } from '../schema.ts';

const experiments = 'experiments';
const runs = 'runs';
const artifacts = 'artifacts';
const Tag = Type.Object({ value: Type.String() });

export const listExperiments = route({
  method: 'GET', path: '/api/v1/experiments', role: 'viewer', tag: experiments, summary: 'List experiments (oldest first), or find one by ?name=',
  query: Type.Object({ name: Type.Optional(Type.String()), include_deleted: Type.Optional(Type.Boolean()), ...PageQuery }),
  responses: { 200: Page(Experiment) },
});
export const createExperiment = route({
  method: 'POST', path: '/api/v1/experiments', role: 'member', tag: experiments, summary: 'Create an experiment',
  body: Type.Object({ name: Type.String({ minLength: 1 }), artifactLocation: Type.Optional(Type.String()), tags: Type.Optional(StringMap) }),
  responses: { 201: Experiment }, errors: [409],
});
export const getExperiment = route({ method: 'GET', path: '/api/v1/experiments/:experimentId', role: 'viewer', tag: experiments, summary: 'Get an experiment', responses: { 200: Experiment } });
export const setExperimentTag = route({ method: 'PUT', path: '/api/v1/experiments/:experimentId/tags/:key', role: 'member', tag: experiments, summary: 'Set an experiment tag', body: Tag, responses: { 204: null } });

export const RunSearch = Type.Object({
  experimentIds: Type.Optional(Type.Array(Type.String())),
  experiment_ids: Type.Optional(Type.Array(Type.String(), { description: 'MLflow spelling of experimentIds' })),
  filter: Type.Optional(Str("the filter language: metrics.roc_auc > 0.8 and params.learner = 'gbdt' and tags.team = 'risk'")),
  orderBy: Type.Optional(Type.Array(Type.String(), { description: "e.g. ['metrics.roc_auc DESC', 'start_time ASC']; default newest first" })),
  order_by: Type.Optional(Type.Array(Type.String(), { description: 'MLflow spelling of orderBy' })),
  includeDeleted: Type.Optional(Type.Boolean()),
  limit: Type.Optional(Int(1)),
  cursor: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

export const createRun = route({
  method: 'POST', path: '/api/v1/runs', role: 'member', tag: runs, summary: 'Start a run (in an experiment by id, or by name: created when missing)',
  body: Type.Object({ experimentId: Type.Optional(Id), experiment: Type.Optional(Type.String()), name: Type.Optional(Type.String()), userId: Type.Optional(Type.String()), startTime: Type.Optional(Millis), tags: Type.Optional(StringMap) }),
  responses: { 201: Run },
});
export const listRuns = route({
  method: 'GET', path: '/api/v1/runs', role: 'viewer', tag: runs, summary: "Search runs: ?filter=metrics.roc_auc > 0.8 and params.learner = 'gbdt'&orderBy=metrics.roc_auc DESC&experimentId=...",
  query: Type.Object({ filter: Type.Optional(Type.String()), orderBy: Type.Optional(Type.Array(Type.String())), experimentId: Type.Optional(Type.Array(Type.String())), includeDeleted: Type.Optional(Type.Boolean()), ...PageQuery }),
  responses: { 200: Page(Run) },
});
export const searchRuns = route({ method: 'POST', path: '/api/v1/runs/search', role: 'viewer', tag: runs, summary: 'Search runs with the filter in a JSON body', body: RunSearch, responses: { 200: Page(Run) } });
export const getRun = route({ method: 'GET', path: '/api/v1/runs/:runId', role: 'viewer', tag: runs, summary: 'Get a run with its params, latest metrics and tags', responses: { 200: Run } });
export const updateRun = route({
  method: 'PATCH', path: '/api/v1/runs/:runId', role: 'member', tag: runs, summary: 'Update a run: status, end time, name',
  body: Type.Object({ status: Type.Optional(RunStatus), endTime: Type.Optional(Type.Union([Millis, Type.Null()])), name: Type.Optional(Type.String()) }),
  responses: { 200: Run },
});
export const deleteRun = route({ method: 'DELETE', path: '/api/v1/runs/:runId', role: 'member', tag: runs, summary: 'Delete a run (soft: hidden from searches)', responses: { 204: null } });

export const Batch = Type.Object({
  metrics: Type.Optional(Type.Array(Type.Object({ key: Type.String(), value: Double, step: Type.Optional(Type.Integer()), timestamp: Type.Optional(Millis) }))),
  params: Type.Optional(Type.Array(KeyValue)),
  tags: Type.Optional(Type.Array(KeyValue)),
});
export const logBatch = route({ method: 'POST', path: '/api/v1/runs/:runId/batch', role: 'member', tag: runs, summary: 'Log metrics, params and tags in one all-or-nothing write', body: Batch, responses: { 204: null } });
export const metricHistory = route({
  method: 'GET', path: '/api/v1/runs/:runId/metric-history', role: 'viewer', tag: runs, summary: 'Every point of one metric (?key=)',
  query: Type.Object({ key: Type.String({ minLength: 1, description: 'the metric name' }) }),
  responses: { 200: Items(MetricPoint) },
});
export const deleteRunTag = route({ method: 'DELETE', path: '/api/v1/runs/:runId/tags/:key', role: 'member', tag: runs, summary: 'Delete a run tag', responses: { 204: null } });
export const listSteps = route({ method: 'GET', path: '/api/v1/runs/:runId/steps', role: 'viewer', tag: runs, summary: 'Pipeline steps of a run', responses: { 200: Items(StepRecord) } });
export const listRunDatasets = route({ method: 'GET', path: '/api/v1/runs/:runId/datasets', role: 'viewer', tag: runs, summary: 'Dataset versions a run used (lineage)', responses: { 200: Items(RunDataset) } });
export const linkRunDataset = route({
  method: 'POST', path: '/api/v1/runs/:runId/datasets', role: 'member', tag: runs, summary: 'Record that a run used a dataset version (lineage)',
  body: Type.Object({ datasetId: Id, role: Type.String({ minLength: 1, description: 'what the run used it for (train, test, ...)' }) }),
  responses: { 204: null },
});

export const putArtifact = route({
  method: 'PUT', path: '/api/v1/runs/:runId/artifacts/*path', role: 'member', tag: artifacts, summary: 'Upload an artifact (streamed; the body is the content)',
  body: 'stream', responses: { 201: ArtifactEntry }, errors: [413],
});
export const getArtifact = route({ method: 'GET', path: '/api/v1/runs/:runId/artifacts/*path', role: 'viewer', tag: artifacts, summary: 'Download an artifact (streamed)', responses: { 200: 'stream' } });
export const listArtifacts = route({ method: 'GET', path: '/api/v1/runs/:runId/artifacts', role: 'viewer', tag: artifacts, summary: "List a run's artifacts", responses: { 200: Items(ArtifactEntry) } });
