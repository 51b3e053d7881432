export { ServedModel, type Answered } from './served-model.ts';
export { parseScoringRequest, scoringJson } from './mlflow-scoring.ts';
export { columnOf } from './columns.ts';
export { parseInferRequest, inferResponseOutputs, modelMetadata, datatypeOf, type V2Tensor } from './v2.ts';
export { PredictionLog, type PendingPrediction, type PredictionLogOptions } from './prediction-log.ts';
export { ServingMetrics, renderPrometheus, type MetricsSnapshot } from './metrics.ts';
export { createServingHooks, type ServingHooks } from './hooks.ts';
export { startRetention, type Prune, type RetentionOptions } from './retention.ts';
export { warmUpRequests, type WarmUpRequest } from './warm-up.ts';
