import { evaluate } from '../learn/index.ts';
import type { BundleManifest } from '../registry/index.ts';
import type { FeatureBaseline } from '../stats/baseline.ts';
import { datasetDrift, featureDrift, type DatasetDriftResult, type DriftOptions, type FeatureDriftResult } from '../stats/index.ts';
import type { ActualRecord } from '../store/index.ts';
import { latencyQuantile, type WindowStats } from './window.ts';

/** A baseline without its training row count (bundles before it) is taken as this large a sample. */
const ASSUMED_TRAINING_ROWS = 100_000;

export interface FeatureQuality {
  name: string;
  /** shares of the window's rows */
  missing: number;
  outOfRange: number;
  unseen: number;
}

export interface AccuracyReport {
  /** predictions (rows) in the window with an actual, and without one yet */
  labelled: number;
  pending: number;
  /** the task's metrics on the labelled rows (empty below two labelled rows) */
  metrics: Record<string, number>;
  /** the model's evaluation at training (test or CV metrics from the bundle) */
  training: Record<string, number>;
  /** the headline metric now minus at training, when both are known */
  change: { metric: string; now: number; training: number; delta: number } | null;
}

export interface WindowReport {
  start: number;
  end: number;
  health: { requests: number; rows: number; errors: number; errorRate: number; latencyMs: { mean: number | null; p50: number | null; p95: number | null; p99: number | null } };
  quality: FeatureQuality[];
  drift: DatasetDriftResult;
  /** the model's output against its answers on the training rows */
  predictionDrift: FeatureDriftResult | null;
  accuracy: AccuracyReport;
  humility: Record<string, number>;
}

function counts(b: FeatureBaseline): number[] {
  const n = b.rows ?? ASSUMED_TRAINING_ROWS;
  return b.proportions.map((p) => p * n);
}

/** `reference`: counts of a reference window over the same bins (instead of the training baseline's). */
function driftAgainst(b: FeatureBaseline, now: number[] | undefined, opts: DriftOptions, reference?: number[]): FeatureDriftResult {
  const size = b.proportions.length;
  const current = now && now.length === size ? now : new Array<number>(size).fill(0);
  const base = reference ? (reference.length === size ? reference : new Array<number>(size).fill(0)) : counts(b);
  const r = featureDrift(b.name, { kind: 'bins', numeric: b.kind === 'numeric', counts: base }, { kind: 'bins', numeric: b.kind === 'numeric', counts: current }, opts);
  return b.importance === undefined ? r : { ...r, importance: b.importance };
}

/** Data quality per feature: missing values, numbers outside the training range, categories never seen in training. */
function quality(manifest: BundleManifest, w: WindowStats): FeatureQuality[] {
  return manifest.baseline.map((b) => {
    const c = w.features[b.name] ?? [];
    const rows = Math.max(1, w.rows);
    const missing = c[c.length - 1] ?? 0;
    const unseen = b.kind === 'categorical' ? (c[c.length - 2] ?? 0) : 0;
    return { name: b.name, missing: missing / rows, outOfRange: (w.outOfRange[b.name] ?? 0) / rows, unseen: unseen / rows };
  });
}

/** Accuracy from actuals: the task's metrics on the window's labelled rows, against the training evaluation. */
export function accuracyOf(manifest: BundleManifest, actuals: ActualRecord[], rows: number): AccuracyReport {
  const training = manifest.metrics;
  const classes = manifest.target.classes ?? [];
  const y: number[] = [];
  const out: number[] = [];
  for (const a of actuals) {
    if (manifest.task === 'regression') {
      const v = Number(a.actual);
      if (!Number.isFinite(v) || typeof a.output !== 'number') continue;
      y.push(v);
      out.push(a.output);
    } else {
      const k = classes.indexOf(String(a.actual));
      if (k < 0 || !Array.isArray(a.output) || a.output.length !== classes.length) continue;
      y.push(k);
      out.push(...a.output);
    }
  }
  const metrics = y.length >= 2 && manifest.task !== 'clustering' ? finite(evaluate(manifest.task, Float64Array.from(y), Float64Array.from(out), Math.max(1, classes.length)).metrics) : {};
  const metric = manifest.task === 'binary' ? 'roc_auc' : manifest.task === 'multiclass' ? 'accuracy' : 'r2';
  const trained = training[`test_${metric}`] ?? training[`cv_${metric}_mean`] ?? training[metric];
  const now = metrics[metric];
  return { labelled: actuals.length, pending: Math.max(0, rows - actuals.length), metrics, training, change: now !== undefined && trained !== undefined ? { metric, now, training: trained, delta: now - trained } : null };
}

function finite(m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => Number.isFinite(v)));
}

/** One window's report: health, data quality, feature and prediction drift against the training baselines (or a reference window's counts), accuracy. */
export function windowReport(manifest: BundleManifest, w: WindowStats, actuals: ActualRecord[], range: { start: number; end: number }, opts: DriftOptions = {}, reference?: WindowStats): WindowReport {
  const features = manifest.baseline.map((b) => driftAgainst(b, w.features[b.name], opts, reference ? (reference.features[b.name] ?? []) : undefined));
  const lat = (q: number) => latencyQuantile(w, q);
  return {
    ...range,
    health: { requests: w.requests, rows: w.rows, errors: w.errors, errorRate: w.requests === 0 ? 0 : w.errors / w.requests, latencyMs: { mean: w.requests === 0 ? null : w.latencySumMs / w.requests, p50: lat(0.5), p95: lat(0.95), p99: lat(0.99) } },
    quality: quality(manifest, w),
    drift: datasetDrift(features, opts),
    predictionDrift: manifest.outputBaseline ? driftAgainst(manifest.outputBaseline, w.output, opts, reference?.output) : null,
    accuracy: accuracyOf(manifest, actuals, w.rows),
    humility: w.humility,
  };
}
