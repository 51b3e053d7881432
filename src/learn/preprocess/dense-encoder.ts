import { invalid } from '../../core/errors.ts';
import { orderStatistics } from '../../core/quantiles.ts';
import { Rng } from '../../core/random.ts';
import type { FeatureSpec, Task } from '../../core/schema.ts';
import { columnByName, type Column, type Table } from '../../core/table.ts';
import type { FeatureMatrix } from '../matrix.ts';
import type { ParamSpec } from '../estimator.ts';
import { DATE_PARTS, dateParts, type DatePart } from '../../core/datetime.ts';
import { toTimestamps } from './tree-encoder.ts';

/** Categories seen fewer times than this in training share one "rare" column; at most this many one-hot columns per feature. */
export const RARE_MIN_COUNT = 5;
export const MAX_ONE_HOT = 100;
/** 'auto' target-encodes categoricals with more levels than this, one-hot encodes the rest */
export const AUTO_TARGET_LEVELS = 30;
const TARGET_FOLDS = 5;
/** weight of the prior in a category's smoothed target mean (m-estimate) */
const TARGET_SMOOTHING = 10;

export interface DenseOptions {
  impute: 'median' | 'mean' | 'constant';
  scaler: 'standard' | 'robust' | 'none';
  categorical: 'onehot' | 'target' | 'auto';
}

export const DENSE_DEFAULTS: DenseOptions = { impute: 'median', scaler: 'standard', categorical: 'onehot' };

/** The preprocessing parameters every dense learner accepts (`--param scaler=robust`). */
export const DENSE_PARAMS: ParamSpec[] = [
  { name: 'impute', key: 'impute', type: 'enum', values: ['median', 'mean', 'constant'], default: DENSE_DEFAULTS.impute },
  { name: 'scaler', key: 'scaler', type: 'enum', values: ['standard', 'robust', 'none'], default: DENSE_DEFAULTS.scaler },
  { name: 'categorical', key: 'categorical', type: 'enum', values: ['onehot', 'target', 'auto'], default: DENSE_DEFAULTS.categorical },
];

export type DenseFeature =
  | { name: string; kind: 'numeric'; fill: number; center: number; scale: number; indicator: boolean; source?: string; part?: DatePart; datetime?: boolean }
  | { name: string; kind: 'onehot'; categories: string[]; rare: boolean }
  | { name: string; kind: 'target'; categories: string[]; values: number[][]; prior: number[] };

/**
 * The preprocessing of linear, distance-based and bagged-tree learners, fitted on training rows only and shipped in the model:
 * numeric columns imputed (median, mean or 0, plus a missing indicator when training had gaps) and scaled (standard, robust
 * = median/IQR, or none); categorical columns one-hot encoded with rare categories grouped (an unknown category joins the rare
 * column when there is one, as scikit-learn's 'infrequent_if_exist', else encodes as all zeros), or target-encoded with
 * smoothed class shares / means, computed out-of-fold on the training rows so a row never sees its own target.
 */
export interface DenseEncoder {
  kind: 'dense-encoder';
  features: DenseFeature[];
}

function numbers(col: Column): Float64Array {
  if (col.kind === 'numeric') return col.values;
  const parsed = col.categories.map((c) => Number(c));
  const bad = parsed.findIndex((v, i) => Number.isNaN(v) && col.categories[i].trim() !== '');
  if (bad >= 0) throw invalid(`column "${col.name}" expects numbers but has "${col.categories[bad].slice(0, 40)}"`);
  return Float64Array.from(col.codes, (c) => (c < 0 ? NaN : parsed[c]));
}

function labels(col: Column): (string | null)[] {
  if (col.kind === 'numeric') return Array.from(col.values, (v) => (Number.isNaN(v) ? null : String(v)));
  return Array.from(col.codes, (c) => (c < 0 ? null : col.categories[c]));
}

/**
 * Quantiles qs of finite values, each linear between the order statistics around position q (n - 1), from the order
 * statistics themselves (bucket selection, orderStatistics) instead of a sort: sorting each numeric column was most of a
 * dense encoder's fit (0.9 s of a forest's at 200 000 rows x 20). Not core's quantilesOf: its numpy-style interpolation
 * rounds differently in the last bit, which would move the fill values models were fitted with.
 */
function quantiles(values: Float64Array, qs: number[]): number[] {
  const n = values.length;
  if (n === 0) return qs.map(() => 0);
  const pos = qs.map((q) => q * (n - 1));
  const ranks = [...new Set(pos.flatMap((p) => [Math.floor(p), Math.min(n - 1, Math.floor(p) + 1)]))].sort((x, y) => x - y);
  const found = orderStatistics(values, ranks);
  const at = (r: number) => found[ranks.indexOf(r)];
  return pos.map((p) => {
    const lo = Math.floor(p);
    const hi = Math.min(n - 1, lo + 1);
    return at(lo) + (at(hi) - at(lo)) * (p - lo);
  });
}

function fitNumeric(name: string, v: Float64Array, o: DenseOptions): DenseFeature & { kind: 'numeric' } {
  let n = 0;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) n++;
  let present = v;
  if (n < v.length) {
    present = new Float64Array(n);
    for (let i = 0, j = 0; i < v.length; i++) if (Number.isFinite(v[i])) present[j++] = v[i];
  }
  let fill = 0;
  if (o.impute === 'median') fill = quantiles(present, [0.5])[0];
  else if (o.impute === 'mean') {
    for (let i = 0; i < n; i++) fill += present[i];
    fill /= Math.max(1, n);
  }
  let filled = v;
  if (n < v.length) {
    filled = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) filled[i] = Number.isFinite(v[i]) ? v[i] : fill;
  }
  let center = 0;
  let scale = 1;
  if (o.scaler === 'standard') {
    for (let i = 0; i < filled.length; i++) center += filled[i];
    center /= Math.max(1, filled.length);
    let ss = 0;
    for (let i = 0; i < filled.length; i++) ss += (filled[i] - center) ** 2;
    const std = Math.sqrt(ss / Math.max(1, filled.length));
    scale = std > 1e-12 ? std : 1;
  } else if (o.scaler === 'robust') {
    const [q25, q50, q75] = quantiles(filled, [0.25, 0.5, 0.75]);
    center = q50;
    const iqr = q75 - q25;
    scale = iqr > 1e-12 ? iqr : 1;
  }
  return { name, kind: 'numeric', fill, center, scale, indicator: n < v.length };
}

/** Target statistics per category: columns = class shares (classification) or the mean (regression). */
function targetStats(l: (string | null)[], y: Float64Array, rows: ArrayLike<number>, width: number, task: Task): { table: Map<string, number[]>; prior: number[] } {
  const sums = new Map<string, { n: number; s: Float64Array }>();
  const prior = new Float64Array(width);
  for (let j = 0; j < rows.length; j++) {
    const r = rows[j];
    const add = (acc: Float64Array) => {
      if (task === 'regression') acc[0] += y[r];
      else if (width === 1) acc[0] += y[r] === 1 ? 1 : 0;
      else acc[y[r]] += 1;
    };
    add(prior);
    const key = l[r];
    if (key === null) continue;
    let e = sums.get(key);
    if (!e) sums.set(key, (e = { n: 0, s: new Float64Array(width) }));
    e.n++;
    add(e.s);
  }
  const p = Array.from(prior, (v) => v / Math.max(1, rows.length));
  const table = new Map<string, number[]>();
  for (const [k, e] of sums) table.set(k, Array.from(e.s, (s, c) => (s + p[c] * TARGET_SMOOTHING) / (e.n + TARGET_SMOOTHING)));
  return { table, prior: p };
}

export interface DenseTarget {
  y: Float64Array;
  task: Task;
  nClasses: number;
  seed: number;
}

/**
 * Fit on training rows and encode them. Target-encoded columns of the returned matrix hold out-of-fold values; the encoder
 * itself keeps the statistics of all training rows for serving.
 */
export function fitDense(table: Table, specs: FeatureSpec[], o: DenseOptions, target: DenseTarget): { encoder: DenseEncoder; X: FeatureMatrix } {
  const width = target.task === 'multiclass' ? target.nClasses : 1;
  const oof = new Map<string, Float64Array[]>();
  const features = specs.flatMap((s): DenseFeature[] => {
    const col = columnByName(table, s.name);
    if (!col) throw invalid(`training table has no column "${s.name}"`);
    if (s.kind === 'numeric' && s.datetime) {
      const ms = toTimestamps(col);
      return [{ ...fitNumeric(s.name, ms, o), datetime: true }, ...DATE_PARTS.map((part) => ({ ...fitNumeric(`${s.name}.${part}`, dateParts(ms, part), o), source: s.name, part }) as DenseFeature)];
    }
    if (s.kind === 'numeric') return [fitNumeric(s.name, numbers(col), o)];
    const l = labels(col);
    const counts = new Map<string, number>();
    for (const x of l) if (x !== null) counts.set(x, (counts.get(x) ?? 0) + 1);
    if (o.categorical === 'target' || (o.categorical === 'auto' && counts.size > AUTO_TARGET_LEVELS)) {
      const all = Array.from({ length: table.rows }, (_, i) => i);
      const full = targetStats(l, target.y, all, width, target.task);
      const categories = [...full.table.keys()].sort();
      // out-of-fold values for the training matrix
      const rng = new Rng(target.seed);
      const fold = rng.shuffle(Int32Array.from(all, (i) => i % TARGET_FOLDS));
      const cols = Array.from({ length: width }, () => new Float64Array(table.rows));
      for (let k = 0; k < TARGET_FOLDS; k++) {
        const stats = targetStats(l, target.y, all.filter((i) => fold[i] !== k), width, target.task);
        for (let i = 0; i < table.rows; i++) {
          if (fold[i] !== k) continue;
          const v = (l[i] !== null && stats.table.get(l[i]!)) || stats.prior;
          for (let c = 0; c < width; c++) cols[c][i] = v[c];
        }
      }
      oof.set(s.name, cols);
      return [{ name: s.name, kind: 'target', categories, values: categories.map((c) => full.table.get(c)!), prior: full.prior }];
    }
    const frequent = [...counts.entries()].filter(([, c]) => c >= RARE_MIN_COUNT).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const kept = frequent.slice(0, MAX_ONE_HOT).map(([k]) => k).sort();
    return [{ name: s.name, kind: 'onehot', categories: kept, rare: kept.length < counts.size }];
  });
  const encoder: DenseEncoder = { kind: 'dense-encoder', features };
  const X = encodeDense(encoder, table);
  // swap in the out-of-fold target encodings
  let at = 0;
  for (const f of features) {
    const w = denseWidth(f);
    const cols = oof.get(f.name);
    if (cols) cols.forEach((c, j) => (X.columns[at + j] = c));
    at += w;
  }
  return { encoder, X };
}

function denseWidth(f: DenseFeature): number {
  if (f.kind === 'numeric') return f.indicator ? 2 : 1;
  if (f.kind === 'onehot') return f.categories.length + (f.rare ? 1 : 0);
  return f.prior.length;
}

/** Output column names, in order (for coefficients and explanations). */
export function denseColumnNames(e: DenseEncoder): string[] {
  const out: string[] = [];
  for (const f of e.features) {
    if (f.kind === 'numeric') {
      out.push(f.name);
      if (f.indicator) out.push(`${f.name}__missing`);
    } else if (f.kind === 'onehot') {
      for (const c of f.categories) out.push(`${f.name}=${c}`);
      if (f.rare) out.push(`${f.name}=__rare__`);
    } else for (let c = 0; c < f.prior.length; c++) out.push(`${f.name}__target${f.prior.length > 1 ? c : ''}`);
  }
  return out;
}

export function encodeDense(e: DenseEncoder, table: Table): FeatureMatrix {
  const sourceOf = (f: DenseFeature) => (f.kind === 'numeric' && f.source) || f.name;
  const missing = e.features.filter((f) => !columnByName(table, sourceOf(f))).map((f) => `"${sourceOf(f)}"`);
  if (missing.length > 0) throw invalid(`input is missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  const n = table.rows;
  const columns: Float64Array[] = [];
  for (const f of e.features) {
    const col = columnByName(table, sourceOf(f))!;
    if (f.kind === 'numeric') {
      const v = f.part ? dateParts(toTimestamps(col), f.part) : f.datetime ? toTimestamps(col) : numbers(col);
      const out = new Float64Array(n);
      const ind = f.indicator ? new Float64Array(n) : null;
      for (let i = 0; i < n; i++) {
        const x = v[i];
        const isMissing = !Number.isFinite(x);
        // clipped so an extreme but finite input (1e308) cannot overflow a dot product into Infinity - Infinity
        out[i] = Math.max(-1e9, Math.min(1e9, ((isMissing ? f.fill : x) - f.center) / f.scale));
        if (ind && isMissing) ind[i] = 1;
      }
      columns.push(out);
      if (ind) columns.push(ind);
    } else if (f.kind === 'onehot') {
      const index = new Map(f.categories.map((c, i) => [c, i]));
      const block = f.categories.map(() => new Float64Array(n));
      const rare = f.rare ? new Float64Array(n) : null;
      const l = labels(col);
      for (let i = 0; i < n; i++) {
        if (l[i] === null) continue;
        const k = index.get(l[i]!);
        if (k !== undefined) block[k][i] = 1;
        else if (rare) rare[i] = 1;
      }
      columns.push(...block);
      if (rare) columns.push(rare);
    } else {
      const index = new Map(f.categories.map((c, i) => [c, i]));
      const block = f.prior.map(() => new Float64Array(n));
      const l = labels(col);
      for (let i = 0; i < n; i++) {
        const k = l[i] === null ? undefined : index.get(l[i]!);
        const v = k === undefined ? f.prior : f.values[k];
        for (let c = 0; c < v.length; c++) block[c][i] = v[c];
      }
      columns.push(...block);
    }
  }
  const names = denseColumnNames(e);
  return { rows: n, columns, kinds: names.map(() => 'numeric'), nCategories: names.map(() => 0), names };
}
