// Statistics shared by several layers (data validation, model bundles, monitoring): nothing here imports above core.
export { buildBaseline, binCounts, type FeatureBaseline } from './baseline.ts';
export { psi, PSI_MAJOR, PSI_MODERATE } from './psi.ts';
export { chooseTest, checkDriftOptions, datasetDrift, featureDrift, tableDrift, DRIFT_TESTS, type DatasetDriftResult, type DriftOptions, type DriftSample, type DriftTest, type FeatureDriftResult, type FeatureDriftStatus } from './drift-tests.ts';
