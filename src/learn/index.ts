export { trainModel, resolveGbdtParams, gbdtParamNames, type LearnerName } from './train.ts';
export { predictTable, predictionOutput, finishScores, type TabularModel, type Predictions } from './model.ts';
export { evaluate, primaryMetric, type Evaluation } from './metrics/index.ts';
export { GBDT_DEFAULTS, fitGbdt, type GbdtParams } from './gbdt/gbdt.ts';
export { forestToArrays, forestFromArrays, type NamedArrays } from './gbdt/serialize.ts';
export { takeValues } from './matrix.ts';
