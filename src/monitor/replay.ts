import { invalid } from '../core/errors.ts';
import type { FeatureSpec, TargetSpec } from '../core/schema.ts';
import { encodeStrings, numericColumn, type Table } from '../core/table.ts';
import { evaluate, predictTable, primaryMetric, type Predictions } from '../learn/index.ts';
import { loadModel, type LoadedModel } from '../registry/index.ts';
import { allPages, type ActualRecord, type PredictionRecord, type Stores } from '../store/index.ts';
import { outputOf } from './query.ts';

/** Logged rows back as a table in the signature's columns (missing columns and values are missing). */
export function tableOfRecords(records: PredictionRecord[], inputs: FeatureSpec[]): Table {
  const rows: (number | string | null)[][] = [];
  const at: number[][] = [];
  for (const r of records) {
    const index = inputs.map((f) => r.features.columns.indexOf(f.name));
    for (const values of r.features.rows) {
      rows.push(values);
      at.push(index);
    }
  }
  const columns = inputs.map((f, i) => {
    if (f.kind === 'numeric') return numericColumn(f.name, Float64Array.from(rows, (v, r) => (at[r][i] < 0 || v[at[r][i]] === null || v[at[r][i]] === '' ? NaN : Number(v[at[r][i]]))));
    return encodeStrings(f.name, rows.map((v, r) => (at[r][i] < 0 || v[at[r][i]] === null ? null : String(v[at[r][i]]))));
  });
  return { rows: rows.length, columns };
}

/** The comparable output of each row: class probabilities or values, flat (rows x classes, or rows). */
function outputOfPredictions(p: Predictions): number[] {
  return Array.from(p.proba ?? p.values!);
}

export interface PairedComparison {
  metric: string;
  rows: number;
  champion: number;
  challenger: number;
  /** challenger minus champion, and its 95% paired bootstrap interval */
  delta: number;
  interval: [number, number];
  /** the interval lies above zero: the challenger is better beyond the noise */
  better: boolean;
  /** the interval lies below zero */
  worse: boolean;
}

/**
 * Two models' answers on the same labelled rows, compared with the task's headline metric and a paired bootstrap: rows are
 * resampled together for both models (1000 times, seeded), so the interval of the difference reflects the noise of these rows,
 * and a lucky sample does not promote a model.
 */
export function pairedComparison(target: TargetSpec, y: Float64Array, champion: Float64Array, challenger: Float64Array, resamples = 1000, seed = 1): PairedComparison {
  const task = target.task;
  const k = target.classes?.length ?? 1;
  const width = task === 'regression' ? 1 : k;
  const metric = primaryMetric(task);
  const score = (o: Float64Array, yy: Float64Array) => evaluate(task, yy, o, k).metrics[metric];
  const n = y.length;
  const a = score(champion, y);
  const b = score(challenger, y);
  let state = seed >>> 0 || 1;
  const rand = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const deltas: number[] = [];
  const yy = new Float64Array(n);
  const oa = new Float64Array(n * width);
  const ob = new Float64Array(n * width);
  for (let s = 0; s < resamples; s++) {
    for (let i = 0; i < n; i++) {
      const j = Math.floor(rand() * n);
      yy[i] = y[j];
      for (let c = 0; c < width; c++) {
        oa[i * width + c] = champion[j * width + c];
        ob[i * width + c] = challenger[j * width + c];
      }
    }
    const d = score(ob, yy) - score(oa, yy);
    if (Number.isFinite(d)) deltas.push(d);
  }
  deltas.sort((x, z) => x - z);
  const q = (p: number) => (deltas.length ? deltas[Math.min(deltas.length - 1, Math.max(0, Math.floor(p * deltas.length)))] : NaN);
  const interval: [number, number] = [q(0.025), q(0.975)];
  return { metric, rows: n, champion: a, challenger: b, delta: b - a, interval, better: interval[0] > 0, worse: interval[1] < 0 };
}

export interface ReplayReport {
  model: string;
  champion: { version: string };
  challenger: { name: string; version: number | null };
  requests: number;
  rows: number;
  /** share of rows where the challenger gives the same label (classification) */
  agreement: number | null;
  /** mean absolute difference of the outputs (probabilities or values) */
  meanAbsDiff: number;
  /** on the rows with actuals */
  accuracy: PairedComparison | null;
}

/**
 * Replay a window of a model's logged production requests against another version offline: its answers beside the ones the
 * serving version gave, and, on the rows whose actuals arrived, both versions' headline metric with a paired bootstrap
 * interval of the difference. Shadow answers (logged by a shadow deployment) are left out: they are not what users got.
 */
export async function replay(stores: Stores, name: string, challengerRef: string, q: { since: number; until: number; limit?: number }): Promise<ReplayReport> {
  const challenger = await loadModel(stores, challengerRef);
  if (!challenger.model) throw invalid(`${challengerRef} is an imported ONNX model: replay needs a Capstan model`);
  const limit = q.limit ?? 100_000;
  const logged = (await allPages((cursor) => stores.metadata.predictions.list({ model: name, since: q.since, cursor, limit: 1000 }))).filter((r) => !r.shadow && r.at < q.until).slice(0, limit);
  const actuals = await stores.metadata.monitor.actuals(name, { since: q.since, until: q.until });
  return compareOn(challenger, name, logged, actuals, challengerRef);
}

/** The comparison of `challenger` with what was served for `logged` (see replay). */
export function compareOn(challenger: LoadedModel, name: string, logged: PredictionRecord[], actuals: ActualRecord[], ref = `${challenger.name}:${challenger.version}`): ReplayReport {
  const m = challenger.manifest;
  if (logged.length === 0) throw invalid(`no logged predictions of "${name}" in that window to replay`);
  const k = m.task === 'regression' ? 1 : m.target.classes!.length;
  const mine = outputOfPredictions(predictTable(challenger.model!, tableOfRecords(logged, m.signature.inputs)));
  const other: number[][] = [];
  for (let i = 0; i < mine.length / k; i++) other.push(mine.slice(i * k, (i + 1) * k));
  return compareOutputs(m.target, name, logged, other, actuals, { name: ref, version: challenger.version });
}

/**
 * What a shadow deployment answered beside the served version, from the log alone (no rescoring): each shadow record is
 * paired with the served request it copied (`shadow_of`), and compared as replay compares.
 */
export async function compareShadow(stores: Stores, name: string, q: { since: number; until: number; limit?: number }): Promise<ReplayReport> {
  const all = (await allPages((cursor) => stores.metadata.predictions.list({ model: name, since: q.since, cursor, limit: 1000 }))).filter((r) => r.at < q.until);
  const primary = new Map(all.filter((r) => !r.shadow).map((r) => [r.id, r]));
  const pairs = all.filter((r) => r.shadow && typeof r.outputs.shadow_of === 'string' && primary.has(r.outputs.shadow_of)).slice(0, q.limit ?? 100_000);
  if (pairs.length === 0) throw invalid(`no shadow answers of "${name}" logged in that window (set one with capstan models traffic ${name} --shadow VERSION)`);
  const versions = [...new Set(pairs.map((r) => r.version))];
  const loaded = await loadModel(stores, `${name}:${versions[0]}`);
  const served = pairs.map((r) => primary.get(r.outputs.shadow_of as string)!);
  const other: number[][] = [];
  for (const r of pairs) for (let i = 0; i < r.rows; i++) {
    const o = outputOf(r.outputs, i);
    other.push(o === null ? [] : typeof o === 'number' ? [o] : o);
  }
  const actuals = await stores.metadata.monitor.actuals(name, { since: q.since, until: q.until });
  return compareOutputs(loaded.manifest.target, name, served, other, actuals, { name: `shadow ${name}:${versions.join(',')}`, version: versions.length === 1 ? Number(versions[0]) : null });
}

/** Served answers (from the log) against another model's answers for the same rows, in order. */
function compareOutputs(target: TargetSpec, name: string, logged: PredictionRecord[], other: number[][], actuals: ActualRecord[], challenger: ReplayReport['challenger']): ReplayReport {
  const k = target.task === 'regression' ? 1 : target.classes!.length;
  const served: (number[] | number | null)[] = [];
  const rowOf = new Map<string, number>();
  for (const r of logged) {
    for (let i = 0; i < r.rows; i++) {
      rowOf.set(`${r.id}/${i}`, served.length);
      served.push(outputOf(r.outputs, i));
    }
  }
  let same = 0;
  let compared = 0;
  let diff = 0;
  const argmax = (o: ArrayLike<number>) => {
    let best = 0;
    for (let c = 1; c < k; c++) if (o[c] > o[best]) best = c;
    return best;
  };
  served.forEach((s, i) => {
    const mine = other[i];
    if (s === null || !mine || mine.length !== k) return;
    const theirs = typeof s === 'number' ? [s] : s;
    if (theirs.length !== k) return;
    compared++;
    for (let c = 0; c < k; c++) diff += Math.abs(theirs[c] - mine[c]) / k;
    if (k > 1 && argmax(theirs) === argmax(mine)) same++;
  });
  const y: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  for (const act of actuals) {
    const row = rowOf.get(`${act.predictionId}/${act.row}`);
    if (row === undefined || other[row]?.length !== k) continue;
    const truth = target.task === 'regression' ? Number(act.actual) : target.classes!.indexOf(String(act.actual));
    const theirs = typeof act.output === 'number' ? [act.output] : act.output;
    if (!Number.isFinite(truth) || truth < 0 || theirs.length !== k) continue;
    y.push(truth);
    a.push(...theirs);
    b.push(...other[row]);
  }
  const accuracy = y.length >= 10 && target.task !== 'clustering' ? pairedComparison(target, Float64Array.from(y), Float64Array.from(a), Float64Array.from(b)) : null;
  return { model: name, champion: { version: [...new Set(logged.map((r) => r.version))].join(',') }, challenger, requests: logged.length, rows: served.length, agreement: k > 1 && compared ? same / compared : null, meanAbsDiff: compared ? diff / compared : 0, accuracy };
}
