export { trainModel, checkTrainSpec, type TrainSpec } from './train.ts';
export { predictTable, predictionOutput, toPredictions, encode, encodedWidth, ensembleModel, modelOutput, type TabularModel, type Predictions, type Encoder } from './model.ts';
export { evaluate, primaryMetric, type Evaluation } from './metrics/index.ts';
export { GBDT_DEFAULTS, fitGbdt, type GbdtParams } from './gbdt/gbdt.ts';
export { LEARNERS, getLearner } from './learners.ts';
export { resolveParams, type Learner, type Fitted, type NamedArrays, type TaskInfo, type ParamSpec } from './estimator.ts';
export { takeValues } from './matrix.ts';
