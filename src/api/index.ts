/**
 * The API's contract: one declaration per route (src/api/routes/), from which the server validates and types its handlers,
 * the OpenAPI document is built and the SDK takes its request and response types.
 */
import type { Contract } from './contract.ts';
import * as admin from './routes/admin.ts';
import * as datasets from './routes/datasets.ts';
import * as inference from './routes/inference.ts';
import { mlflowRoutes } from './routes/mlflow.ts';
import * as monitoring from './routes/monitoring.ts';
import * as pipelines from './routes/pipelines.ts';
import * as predictions from './routes/predictions.ts';
import * as registry from './routes/registry.ts';
import * as tracking from './routes/tracking.ts';

export * from './contract.ts';
export { PATH_PARAMS, patternParams, type PathParams } from './params.ts';
export { openApiDocument } from './openapi.ts';
export * as records from './records.ts';
export { MAX_PREDICTION_BATCH } from './routes/predictions.ts';
export { MAX_ACTUALS_BATCH } from './routes/monitoring.ts';
export { PipelineSpecSchema, type PipelineSpec } from './pipeline-spec.ts';

const pick = (m: Record<string, unknown>) => Object.values(m).filter((v): v is Contract => typeof v === 'object' && v !== null && 'method' in v && 'path' in v);

/** Capstan's own routes, by name. */
export const api = { ...tracking, ...datasets, ...registry, ...admin, ...predictions, ...pipelines, ...inference, ...monitoring };
export const mlflow = mlflowRoutes;

/** Every declared route. */
export const ALL_ROUTES: readonly Contract[] = [...pick(api), ...pick(mlflow)];
