export { DriftMonitor, type DriftReport, type FeatureDrift } from './drift.ts';
