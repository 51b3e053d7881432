export { MonitorRecorder, type MonitorSink, type MonitorRecorderOptions } from './recorder.ts';
export { windowReport, accuracyOf, type WindowReport, type AccuracyReport, type FeatureQuality } from './report.ts';
export { emptyWindow, mergeWindow, mergeWindowTexts, parseWindow, latencyQuantile, WindowCounter, LATENCY_EDGES_MS, type WindowStats } from './window.ts';
export { monitorModel, recordActuals, outputOf, type MonitorQuery, type MonitorReport, type ActualInput } from './query.ts';
export { HOUR_MS, MINUTE_MS, parseWindowLength } from './window-length.ts';
export { parsePolicy, FIGURES, type MonitorPolicy, type AlertRule, type WebhookConfig, type Figure } from './policy.ts';
export { deliverWebhook, verifyWebhookSignature, signWebhook, SIGNATURE_HEADER, type WebhookTarget, type Delivery } from './notify/webhook.ts';
export { classifyAddress } from './notify/address.ts';
export { evaluateAlerts, figureOf, type RuleOutcome, type EvaluateOptions } from './alerts.ts';
