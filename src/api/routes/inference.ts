import { Type } from '../typebox.ts';
import { route } from '../contract.ts';
import { Page, PageQuery } from '../schema.ts';

/*
 * The serving routes. Their handlers check their own input (the prediction path was measured request by request): these
 * schemas say what they accept and answer, in the OpenAPI document.
 */

const tag = 'inference';
const Cell = Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()]);
const Tensor = Type.Object({
  name: Type.String(),
  datatype: Type.String({ description: 'FP64, FP32, INT64, ..., BYTES, BOOL' }),
  shape: Type.Array(Type.Integer({ minimum: -1 }), { description: '[rows] or [rows, 1]' }),
  data: Type.Array(Type.Union([Cell, Type.Array(Cell)])),
  parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
const InferRequest = Type.Object(
  { id: Type.Optional(Type.String()), inputs: Type.Array(Tensor, { minItems: 1 }), outputs: Type.Optional(Type.Array(Type.Object({ name: Type.String() }))), parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
  { title: 'V2InferRequest' },
);
const InferResponse = Type.Object(
  { model_name: Type.String(), model_version: Type.String(), id: Type.String(), parameters: Type.Object({ prediction_id: Type.String() }), outputs: Type.Array(Tensor) },
  { title: 'V2InferResponse' },
);
const ModelMetadata = Type.Object(
  {
    name: Type.String(),
    versions: Type.Array(Type.String()),
    platform: Type.String(),
    inputs: Type.Array(Type.Object({ name: Type.String(), datatype: Type.String(), shape: Type.Array(Type.Integer()), parameters: Type.Optional(Type.Object({ categories: Type.Array(Type.String()) })) })),
    outputs: Type.Array(Type.Object({ name: Type.String(), datatype: Type.String(), shape: Type.Array(Type.Integer()) })),
  },
  { title: 'V2ModelMetadata' },
);
const ScoringRequest = Type.Union(
  [
    Type.Object({ dataframe_split: Type.Object({ columns: Type.Array(Type.String()), data: Type.Array(Type.Array(Cell)), index: Type.Optional(Type.Array(Type.Unknown())) }) }),
    Type.Object({ dataframe_records: Type.Array(Type.Record(Type.String(), Cell)) }),
    Type.Object({ instances: Type.Array(Type.Unknown()) }),
    Type.Object({ inputs: Type.Unknown() }),
  ],
  { title: 'MlflowScoringRequest' },
);
const ScoringResponse = Type.Object(
  {
    predictions: Type.Array(Type.Union([Type.Number(), Type.String(), Type.Null()])),
    probabilities: Type.Optional(Type.Array(Type.Array(Type.Union([Type.Number(), Type.Null()])))),
    classes: Type.Optional(Type.Array(Type.String())),
    prediction_id: Type.String(),
  },
  { title: 'MlflowScoringResponse' },
);


export const live = route({ method: 'GET', path: '/v2/health/live', public: true, tag: 'health', summary: 'Liveness', errorShape: 'v2', handChecked: true, responses: { 200: Type.Object({ live: Type.Boolean() }) } });
export const ready = route({
  method: 'GET', path: '/v2/health/ready', public: true, tag: 'health', summary: 'Readiness (503 while the server drains)', errorShape: 'v2', handChecked: true,
  responses: { 200: Type.Object({ ready: Type.Boolean() }), 503: Type.Object({ ready: Type.Boolean() }) },
});
export const serverMetadata = route({
  method: 'GET', path: '/v2', role: 'viewer', tag, summary: 'Server metadata (V2 protocol)', errorShape: 'v2', handChecked: true,
  responses: { 200: Type.Object({ name: Type.String(), version: Type.String(), extensions: Type.Array(Type.String()) }) },
});

const v2 = <const P extends string>(path: P) => ({ errorShape: 'v2' as const, handChecked: true as const, tag, role: 'viewer' as const, path });
export const modelMeta = route({ ...v2('/v2/models/:name'), method: 'GET', summary: "A model's inputs and outputs (V2 protocol)", responses: { 200: ModelMetadata } });
export const modelReady = route({ ...v2('/v2/models/:name/ready'), method: 'GET', summary: 'Whether a model is loaded and ready', responses: { 200: Type.Object({ name: Type.String(), ready: Type.Boolean() }) } });
export const infer = route({ ...v2('/v2/models/:name/infer'), method: 'POST', summary: 'Predict (V2 protocol; the bare name follows the traffic split)', shed: true, body: InferRequest, responses: { 200: InferResponse }, errors: [413, 503] });
export const versionMeta = route({ ...v2('/v2/models/:name/versions/:version'), method: 'GET', summary: "A model version's inputs and outputs (V2 protocol)", responses: { 200: ModelMetadata } });
export const versionReady = route({ ...v2('/v2/models/:name/versions/:version/ready'), method: 'GET', summary: 'Whether a model version is loaded and ready', responses: { 200: Type.Object({ name: Type.String(), ready: Type.Boolean() }) } });
export const versionInfer = route({ ...v2('/v2/models/:name/versions/:version/infer'), method: 'POST', summary: 'Predict with one version (V2 protocol)', shed: true, body: InferRequest, responses: { 200: InferResponse }, errors: [413, 503] });

export const invocations = route({
  method: 'POST', path: '/invocations', role: 'viewer', tag, errorShape: 'mlflow', handChecked: true, shed: true,
  summary: "MLflow's scoring format: dataframe_split, dataframe_records, instances or inputs (?model=NAME&version=N on a server with many models)",
  query: Type.Object({ model: Type.Optional(Type.String()), version: Type.Optional(Type.String()) }),
  body: ScoringRequest, responses: { 200: ScoringResponse }, errors: [413, 503],
});
export const metrics = route({ method: 'GET', path: '/metrics', role: 'viewer', tag, handChecked: true, summary: 'Prometheus metrics: requests, errors and latency per model version, prediction log counters', responses: { 200: 'text' } });

export const listModels = route({
  method: 'GET', path: '/api/v1/models', role: 'viewer', tag: 'models', summary: 'Registered models by name (?nameLike= a LIKE pattern)',
  query: Type.Object({ nameLike: Type.Optional(Type.String()), ...PageQuery }),
  // a single-model server lists just the names it serves
  responses: { 200: Page(Type.Object({ name: Type.String() }, { additionalProperties: true })) },
});
export const openapi = route({ method: 'GET', path: '/api/v1/openapi.json', role: 'viewer', tag: 'api', summary: 'This document', responses: { 200: Type.Object({ openapi: Type.String(), paths: Type.Record(Type.String(), Type.Unknown()) }, { additionalProperties: true }) } });
