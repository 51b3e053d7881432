import { Type } from '../typebox.ts';
import { route } from '../contract.ts';
import { PredictionFeatures, PredictionRecord } from '../records.ts';
import { AnyJson, Int, Millis, Page, PageQuery } from '../schema.ts';

const tag = 'monitoring';
export const MAX_PREDICTION_BATCH = 10_000;

/** A record as a client sends it: the row count is taken from the features, shadow defaults to false. */
export const PredictionInput = Type.Object({
  id: PredictionRecord.properties.id,
  model: PredictionRecord.properties.model,
  version: PredictionRecord.properties.version,
  at: PredictionRecord.properties.at,
  latencyMs: PredictionRecord.properties.latencyMs,
  features: PredictionFeatures,
  outputs: Type.Record(Type.String(), AnyJson),
  shadow: Type.Optional(Type.Boolean()),
});

export const listPredictions = route({
  method: 'GET', path: '/api/v1/predictions', role: 'viewer', tag, summary: 'Logged predictions, oldest first (?model=NAME, ?since=epoch ms)',
  query: Type.Object({ model: Type.Optional(Type.String()), since: Type.Optional(Millis), ...PageQuery }),
  responses: { 200: Page(PredictionRecord) },
});
export const getPrediction = route({ method: 'GET', path: '/api/v1/predictions/:predictionId', role: 'viewer', tag, summary: 'One logged prediction by id', responses: { 200: PredictionRecord } });
export const appendPredictions = route({
  method: 'POST', path: '/api/v1/predictions', role: 'member', tag, summary: 'Append prediction records (a repeated id is ignored)',
  body: Type.Object({ records: Type.Array(PredictionInput, { minItems: 1, maxItems: MAX_PREDICTION_BATCH, description: `an array of 1 to ${MAX_PREDICTION_BATCH} prediction records` }) }),
  responses: { 204: null },
});
export const prunePredictions = route({
  method: 'POST', path: '/api/v1/predictions/prune', role: 'admin', tag,
  summary: "Delete logged predictions past a retention rule (maxAgeMs, maxRecords, model), a bounded step at a time (limit batches; ages measured from now, default the server's clock)",
  body: Type.Object({ model: Type.Optional(Type.String()), maxAgeMs: Type.Optional(Int(0)), maxRecords: Type.Optional(Int(0)), limit: Type.Optional(Int(1)), now: Type.Optional(Millis) }),
  responses: { 200: Type.Object({ deleted: Type.Integer({ minimum: 0 }) }) },
});
