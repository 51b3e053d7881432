export { readTable, type ReadOptions, type ColumnParse } from './ingest/duckdb.ts';
export { inferFeatures } from './schema.ts';
export { profileTable, type TableProfile, type ColumnProfile } from './profile.ts';
export { trainTestSplit, kFold, groupKFold, timeSeriesSplits, type Split } from './split.ts';
export { prepareTarget, type PreparedTarget } from './target.ts';
export { fileSha256 } from './hash.ts';
