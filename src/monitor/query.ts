import { CapstanError, invalid } from '../core/errors.ts';
import { isObject } from '../core/json.ts';
import { loadModel, type BundleManifest } from '../registry/index.ts';
import type { DriftOptions } from '../stats/index.ts';
import type { ActualRecord, PredictionRecord, Stores } from '../store/index.ts';
import { HOUR_MS } from './window-length.ts';
import { windowReport, type WindowReport } from './report.ts';
import { emptyWindow, mergeWindow, parseWindow, type WindowStats } from './window.ts';

export interface MonitorQuery {
  /** window length: whole hours (stored windows are compacted to hours) */
  windowMs: number;
  since: number;
  until: number;
  version?: string;
  drift?: DriftOptions;
  /** drift against this span's windows (per version) instead of the training baseline */
  reference?: { since: number; until: number };
}

export interface MonitorReport {
  name: string;
  windowMs: number;
  since: number;
  until: number;
  versions: { version: string; total: WindowReport; windows: WindowReport[] }[];
}

/**
 * A model's monitoring per window, read from the store: the windows every serving process wrote (added up) and the actuals
 * of predictions answered in each window, reported against each version's training baselines. One store query for the
 * windows and one for the actuals, whatever the number of predictions: a day over millions of them is 24 hour rows per
 * version (plus the current hour's minutes).
 */
export async function monitorModel(stores: Stores, name: string, q: MonitorQuery): Promise<MonitorReport> {
  if (!(Number.isInteger(q.windowMs) && q.windowMs > 0 && q.windowMs % HOUR_MS === 0)) throw invalid('window must be a whole number of hours');
  const since = Math.floor(q.since / q.windowMs) * q.windowMs;
  const until = q.until;
  if (!(until > since)) throw invalid('until must be after since');
  if ((until - since) / q.windowMs > 10_000) throw invalid('at most 10 000 windows per query: choose a longer window or a shorter span');
  const [rows, actuals] = await Promise.all([stores.metadata.monitor.windows(name, { since, until, version: q.version }), stores.metadata.monitor.actuals(name, { since, until, version: q.version })]);
  const byVersion = new Map<string, { windows: Map<number, WindowStats>; actuals: Map<number, ActualRecord[]> }>();
  const slot = (version: string) => {
    let v = byVersion.get(version);
    if (!v) byVersion.set(version, (v = { windows: new Map(), actuals: new Map() }));
    return v;
  };
  for (const r of rows) {
    const start = Math.floor(r.start / q.windowMs) * q.windowMs;
    const v = slot(r.version).windows;
    v.set(start, mergeWindow(v.get(start) ?? emptyWindow(), parseWindow(r.stats)));
  }
  for (const a of actuals) {
    const start = Math.floor(a.predictedAt / q.windowMs) * q.windowMs;
    const v = slot(a.version).actuals;
    v.set(start, [...(v.get(start) ?? []), a]);
  }
  // a reference span: each version's counts there, added up
  const reference = new Map<string, WindowStats>();
  if (q.reference) {
    if (!(q.reference.until > q.reference.since)) throw invalid('the reference window must end after it starts');
    for (const r of await stores.metadata.monitor.windows(name, { since: q.reference.since, until: q.reference.until, version: q.version })) reference.set(r.version, mergeWindow(reference.get(r.version) ?? emptyWindow(), parseWindow(r.stats)));
  }
  const versions: MonitorReport['versions'] = [];
  for (const [version, v] of [...byVersion].sort((a, b) => Number(a[0]) - Number(b[0]) || a[0].localeCompare(b[0]))) {
    const manifest = await manifestOf(stores, name, version);
    const starts = [...new Set([...v.windows.keys(), ...v.actuals.keys()])].sort((a, b) => a - b);
    const ref = q.reference ? (reference.get(version) ?? emptyWindow()) : undefined;
    const windows = starts.map((start) => windowReport(manifest, v.windows.get(start) ?? emptyWindow(), v.actuals.get(start) ?? [], { start, end: start + q.windowMs }, q.drift, ref));
    const total = [...v.windows.values()].reduce((acc, w) => mergeWindow(acc, w), emptyWindow());
    versions.push({ version, total: windowReport(manifest, total, [...v.actuals.values()].flat(), { start: since, end: until }, q.drift, ref), windows });
  }
  return { name, windowMs: q.windowMs, since, until, versions };
}

async function manifestOf(stores: Stores, name: string, version: string): Promise<BundleManifest> {
  try {
    return (await loadModel(stores, `${name}:${version}`)).manifest;
  } catch (e) {
    if (e instanceof CapstanError && e.code === 'NOT_FOUND') throw new CapstanError('NOT_FOUND', `model "${name}" version ${version} is in the monitoring windows but not in the registry`);
    throw e;
  }
}

/** One actual as a client sends it. */
export interface ActualInput {
  id: string;
  row?: number;
  value: string | number;
}

/**
 * Join actuals to the logged predictions they are the truth of (by id and row), keeping what the model answered for that row,
 * and store them; an actual already stored is kept. Ids with no logged prediction (or rows beyond it) are returned unstored.
 */
export async function recordActuals(stores: Stores, items: ActualInput[], receivedAt = Date.now()): Promise<{ inserted: number; duplicates: number; unmatched: string[] }> {
  const predictions = new Map<string, PredictionRecord | null>();
  for (const id of new Set(items.map((i) => i.id))) {
    try {
      predictions.set(id, await stores.metadata.predictions.get(id));
    } catch (e) {
      if (!(e instanceof CapstanError && e.code === 'NOT_FOUND')) throw e;
      predictions.set(id, null);
    }
  }
  const records: ActualRecord[] = [];
  const unmatched: string[] = [];
  for (const item of items) {
    const row = item.row ?? 0;
    const p = predictions.get(item.id);
    const output = p && row < p.rows ? outputOf(p.outputs, row) : null;
    if (!p || output === null) {
      unmatched.push(item.row === undefined ? item.id : `${item.id}/${row}`);
      continue;
    }
    records.push({ predictionId: item.id, row, model: p.model, version: p.version, predictedAt: p.at, actual: item.value, output, receivedAt });
  }
  const stored = records.length ? await stores.metadata.monitor.putActuals(records) : { inserted: 0, duplicates: 0 };
  return { ...stored, unmatched };
}

/** What a logged answer said for one row: probabilities (one-hot when only the label was returned) or the value. */
export function outputOf(outputs: Record<string, unknown>, row: number): number[] | number | null {
  // MLflow scoring: {predictions, probabilities?, classes?}
  if (Array.isArray(outputs.predictions)) {
    const probs = outputs.probabilities;
    if (Array.isArray(probs) && Array.isArray(probs[row])) return (probs[row] as unknown[]).map(Number);
    const v = outputs.predictions[row];
    if (typeof v === 'number') return v;
    const classes = outputs.classes;
    return Array.isArray(classes) ? classes.map((c) => (c === v ? 1 : 0)) : null;
  }
  // KServe V2: {outputs: [{name, shape, data, parameters?}]}
  if (Array.isArray(outputs.outputs)) {
    const tensors = outputs.outputs.filter(isObject);
    const probs = tensors.find((t) => t.name === 'probabilities');
    if (probs && Array.isArray(probs.data) && Array.isArray(probs.shape)) {
      const k = Number(probs.shape[1]);
      return (probs.data as unknown[]).slice(row * k, (row + 1) * k).map(Number);
    }
    const value = tensors.find((t) => t.name === 'prediction');
    if (value && Array.isArray(value.data) && typeof value.data[row] === 'number') return value.data[row] as number;
    const label = tensors.find((t) => t.name === 'label');
    const classes = isObject(label?.parameters) ? label.parameters.classes : undefined;
    if (label && Array.isArray(label.data) && Array.isArray(classes)) return classes.map((c) => (c === (label.data as unknown[])[row] ? 1 : 0));
  }
  return null;
}
