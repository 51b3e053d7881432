// Statistics shared by several layers (data validation, model bundles, monitoring): nothing here imports above core.
export { buildBaseline, binCounts, type FeatureBaseline } from './baseline.ts';
export { psi, PSI_MAJOR, PSI_MODERATE } from './psi.ts';
