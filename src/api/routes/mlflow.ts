import type { TObject, TSchema } from '@sinclair/typebox';
import { Type } from '../typebox.ts';
import { route, type Method, type RoleName } from '../contract.ts';
import { Double, Int64 } from '../schema.ts';

/*
 * The subset of MLflow's REST API (/api/2.0/mlflow/) its Python client uses for tracking and the registry, with MLflow's
 * request and response shapes. GET requests carry their fields in the query string, the others in a JSON body (Python's JSON:
 * bare NaN and Infinity). int64 fields may come as numbers or decimal strings, as protobuf's JSON mapping allows.
 */

const P = '/api/2.0/mlflow';
const KV = Type.Array(Type.Object({ key: Type.String(), value: Type.String() }));
const Tags = Type.Optional(Type.Array(Type.Object({ key: Type.String(), value: Type.String() }), { description: 'an array of {key, value} objects' }));
const Empty = Type.Object({});

const Experiment = Type.Object(
  { experiment_id: Type.String(), name: Type.String(), artifact_location: Type.String(), lifecycle_stage: Type.String(), creation_time: Type.Integer(), last_update_time: Type.Integer(), tags: KV },
  { title: 'MlflowExperiment' },
);
const RunInfo = Type.Object(
  {
    run_id: Type.String(), run_uuid: Type.String(), run_name: Type.String(), experiment_id: Type.String(), user_id: Type.String(), status: Type.String(),
    start_time: Type.Integer(), end_time: Type.Optional(Type.Integer()), artifact_uri: Type.String(), lifecycle_stage: Type.String(),
  },
  { title: 'MlflowRunInfo' },
);
const Run = Type.Object(
  {
    info: RunInfo,
    data: Type.Object({ metrics: Type.Array(Type.Object({ key: Type.String(), value: Double, timestamp: Type.Integer(), step: Type.Integer() })), params: KV, tags: KV }),
    inputs: Type.Object({ dataset_inputs: Type.Array(Type.Unknown()) }),
  },
  { title: 'MlflowRun' },
);
const ModelVersion = Type.Object(
  {
    name: Type.String(), version: Type.String(), creation_timestamp: Type.Integer(), last_updated_timestamp: Type.Integer(), user_id: Type.String(), current_stage: Type.String(),
    description: Type.String(), source: Type.String(), run_id: Type.Optional(Type.String()), status: Type.String(), tags: KV, aliases: Type.Array(Type.String()),
  },
  { title: 'MlflowModelVersion' },
);
const RegisteredModel = Type.Object(
  {
    name: Type.String(), creation_timestamp: Type.Integer(), last_updated_timestamp: Type.Integer(), description: Type.String(), latest_versions: Type.Array(ModelVersion), tags: KV,
    aliases: Type.Array(Type.Object({ alias: Type.String(), version: Type.String() })),
  },
  { title: 'MlflowRegisteredModel' },
);
const NextPage = { next_page_token: Type.Optional(Type.String()) };
const Paging = { max_results: Type.Optional(Int64), page_token: Type.Optional(Type.String()) };
const RunRef = { run_id: Type.Optional(Type.String()), run_uuid: Type.Optional(Type.String({ description: 'the older spelling of run_id' })) };
const ExperimentId = Type.Union([Type.String(), Type.Integer()], { description: 'an experiment id ("0" is the default experiment)' });

const base = <const M extends Method, const Path extends string, const O extends TSchema>(method: M, path: Path, role: RoleName, output: O) => ({
  path: `${P}${path}` as `${typeof P}${Path}`, method, role, tag: 'mlflow', summary: `MLflow ${path}`, errorShape: 'mlflow' as const, json: 'python' as const, responses: { 200: output },
});
/** An MLflow GET: its fields in the query string. */
const get = <const Path extends string, const I extends TObject, const O extends TSchema>(path: Path, input: I, output: O) => route({ ...base('GET', path, 'viewer', output), query: input });
/** An MLflow POST or DELETE: its fields in a JSON body (or the query string). */
const send = <const M extends 'POST' | 'DELETE', const Path extends string, const I extends TObject, const O extends TSchema>(method: M, path: Path, role: RoleName, input: I, output: O, errors: readonly number[] = []) =>
  route({ ...base(method, path, role, output), body: input, queryFields: true, errors });

export const mlflowRoutes = {
  createExperiment: send('POST', '/experiments/create', 'member', Type.Object({ name: Type.String({ minLength: 1 }), artifact_location: Type.Optional(Type.String()), tags: Tags }), Type.Object({ experiment_id: Type.String() }), [409]),
  getExperiment: get('/experiments/get', Type.Object({ experiment_id: Type.String() }), Type.Object({ experiment: Experiment })),
  getExperimentByName: get('/experiments/get-by-name', Type.Object({ experiment_name: Type.String() }), Type.Object({ experiment: Experiment })),
  searchExperiments: send('POST', '/experiments/search', 'viewer', Type.Object({ view_type: Type.Optional(Type.String()), ...Paging }), Type.Object({ experiments: Type.Array(Experiment), ...NextPage })),
  searchExperimentsGet: get('/experiments/search', Type.Object({ view_type: Type.Optional(Type.String()), ...Paging }), Type.Object({ experiments: Type.Array(Experiment), ...NextPage })),
  setExperimentTag: send('POST', '/experiments/set-experiment-tag', 'member', Type.Object({ experiment_id: ExperimentId, key: Type.String({ minLength: 1 }), value: Type.String() }), Empty),
  createRun: send('POST', '/runs/create', 'member', Type.Object({ experiment_id: Type.Optional(ExperimentId), run_name: Type.Optional(Type.String()), start_time: Type.Optional(Int64), user_id: Type.Optional(Type.String()), tags: Tags }), Type.Object({ run: Run })),
  updateRun: send('POST', '/runs/update', 'member', Type.Object({ ...RunRef, status: Type.Optional(Type.String()), end_time: Type.Optional(Int64), run_name: Type.Optional(Type.String()) }), Type.Object({ run_info: RunInfo })),
  getRun: get('/runs/get', Type.Object(RunRef), Type.Object({ run: Run })),
  deleteRun: send('POST', '/runs/delete', 'member', Type.Object(RunRef), Empty),
  searchRuns: send(
    'POST', '/runs/search', 'viewer',
    Type.Object({ experiment_ids: Type.Optional(Type.Array(ExperimentId)), filter: Type.Optional(Type.String()), order_by: Type.Optional(Type.Array(Type.String())), run_view_type: Type.Optional(Type.String()), ...Paging }),
    Type.Object({ runs: Type.Array(Run), ...NextPage }),
  ),
  logMetric: send('POST', '/runs/log-metric', 'member', Type.Object({ ...RunRef, key: Type.String(), value: Type.Union([Double, Type.Number()]), timestamp: Type.Optional(Int64), step: Type.Optional(Int64) }), Empty),
  logParameter: send('POST', '/runs/log-parameter', 'member', Type.Object({ ...RunRef, key: Type.String(), value: Type.String() }), Empty),
  setTag: send('POST', '/runs/set-tag', 'member', Type.Object({ ...RunRef, key: Type.String(), value: Type.String() }), Empty),
  deleteTag: send('POST', '/runs/delete-tag', 'member', Type.Object({ ...RunRef, key: Type.String({ minLength: 1 }) }), Empty),
  logBatch: send(
    'POST', '/runs/log-batch', 'member',
    Type.Object({
      ...RunRef,
      metrics: Type.Optional(Type.Array(Type.Object({ key: Type.String(), value: Type.Union([Double, Type.Number()]), timestamp: Type.Optional(Int64), step: Type.Optional(Int64) }))),
      params: Type.Optional(KV),
      tags: Type.Optional(KV),
    }),
    Empty,
  ),
  metricHistory: get('/metrics/get-history', Type.Object({ ...RunRef, metric_key: Type.String() }), Type.Object({ metrics: Type.Array(Type.Object({ key: Type.String(), value: Double, timestamp: Type.Integer(), step: Type.Integer() })) })),
  createModel: send('POST', '/registered-models/create', 'member', Type.Object({ name: Type.String({ minLength: 1 }), description: Type.Optional(Type.String()), tags: Tags }), Type.Object({ registered_model: RegisteredModel }), [409]),
  getModel: get('/registered-models/get', Type.Object({ name: Type.String() }), Type.Object({ registered_model: RegisteredModel })),
  searchModels: get('/registered-models/search', Type.Object({ filter: Type.Optional(Type.String()), ...Paging }), Type.Object({ registered_models: Type.Array(RegisteredModel), ...NextPage })),
  createVersion: send(
    'POST', '/model-versions/create', 'member',
    Type.Object({ name: Type.String(), source: Type.String({ minLength: 1 }), run_id: Type.Optional(Type.String()), description: Type.Optional(Type.String()), tags: Tags }),
    Type.Object({ model_version: ModelVersion }),
  ),
  getVersion: get('/model-versions/get', Type.Object({ name: Type.String(), version: Int64 }), Type.Object({ model_version: ModelVersion })),
  searchVersions: get('/model-versions/search', Type.Object({ filter: Type.Optional(Type.String()) }), Type.Object({ model_versions: Type.Array(ModelVersion) })),
  setAlias: send('POST', '/registered-models/alias', 'member', Type.Object({ name: Type.String(), alias: Type.String({ minLength: 1 }), version: Int64 }), Empty),
  deleteAlias: send('DELETE', '/registered-models/alias', 'member', Type.Object({ name: Type.String(), alias: Type.String({ minLength: 1 }) }), Empty),
  getAlias: get('/registered-models/alias', Type.Object({ name: Type.String(), alias: Type.String({ minLength: 1 }) }), Type.Object({ model_version: ModelVersion })),
  // the mlflow-artifacts proxy: where the MLflow client sends log_artifact for runs whose artifact_uri is mlflow-artifacts:/
  putArtifact: route({
    method: 'PUT', path: '/api/2.0/mlflow-artifacts/artifacts/:experimentId/:runId/artifacts/*path', role: 'member', tag: 'mlflow', errorShape: 'mlflow',
    summary: 'MLflow artifact upload (mlflow-artifacts proxy)', body: 'stream', responses: { 200: Empty }, errors: [413],
  }),
  getArtifact: route({
    method: 'GET', path: '/api/2.0/mlflow-artifacts/artifacts/:experimentId/:runId/artifacts/*path', role: 'viewer', tag: 'mlflow', errorShape: 'mlflow',
    summary: 'MLflow artifact download (mlflow-artifacts proxy)', responses: { 200: 'stream' },
  }),
};
