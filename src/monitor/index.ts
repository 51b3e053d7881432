export { MonitorRecorder, MINUTE_MS, HOUR_MS, type MonitorSink, type MonitorRecorderOptions } from './recorder.ts';
export { windowReport, accuracyOf, type WindowReport, type AccuracyReport, type FeatureQuality } from './report.ts';
export { emptyWindow, mergeWindow, mergeWindowTexts, parseWindow, latencyQuantile, WindowCounter, LATENCY_EDGES_MS, type WindowStats } from './window.ts';
export { monitorModel, recordActuals, parseWindowLength, outputOf, type MonitorQuery, type MonitorReport, type ActualInput } from './query.ts';
