export { buildBaseline, type FeatureBaseline } from './baseline.ts';
export { DriftMonitor, psi, PSI_MAJOR, PSI_MODERATE, type DriftReport, type FeatureDrift } from './drift.ts';
