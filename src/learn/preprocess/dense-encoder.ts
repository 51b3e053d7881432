import { invalid } from '../../core/errors.ts';
import type { FeatureSpec } from '../../core/schema.ts';
import { columnByName, type Column, type Table } from '../../core/table.ts';
import type { FeatureMatrix } from '../matrix.ts';

/** Categories seen fewer times than this in training share one "rare" column; at most this many one-hot columns per feature. */
export const RARE_MIN_COUNT = 5;
export const MAX_ONE_HOT = 100;

export type DenseFeature =
  | { name: string; kind: 'numeric'; median: number; mean: number; scale: number; indicator: boolean }
  | { name: string; kind: 'categorical'; categories: string[]; rare: boolean };

/**
 * The preprocessing of linear and distance-based learners, fitted on training rows only and shipped in the model: numeric
 * columns median-imputed (plus a missing indicator when training had gaps) and standardised; categorical columns one-hot encoded
 * with rare categories grouped; an unknown category joins the rare column when there is one (scikit-learn's
 * 'infrequent_if_exist'), else encodes as all zeros.
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

export function fitDenseEncoder(table: Table, specs: FeatureSpec[]): DenseEncoder {
  return {
    kind: 'dense-encoder',
    features: specs.map((s): DenseFeature => {
      const col = columnByName(table, s.name);
      if (!col) throw invalid(`training table has no column "${s.name}"`);
      if (s.kind === 'numeric') {
        const v = numbers(col);
        const present = v.filter((x) => !Number.isNaN(x)).sort();
        const median = present.length === 0 ? 0 : present.length % 2 ? present[(present.length - 1) / 2] : (present[present.length / 2 - 1] + present[present.length / 2]) / 2;
        let mean = 0;
        for (let i = 0; i < v.length; i++) mean += Number.isNaN(v[i]) ? median : v[i];
        mean /= Math.max(1, v.length);
        let ss = 0;
        for (let i = 0; i < v.length; i++) ss += ((Number.isNaN(v[i]) ? median : v[i]) - mean) ** 2;
        const std = Math.sqrt(ss / Math.max(1, v.length));
        return { name: s.name, kind: 'numeric', median, mean, scale: std > 1e-12 ? std : 1, indicator: present.length < v.length };
      }
      const counts = new Map<string, number>();
      for (const l of labels(col)) if (l !== null) counts.set(l, (counts.get(l) ?? 0) + 1);
      const frequent = [...counts.entries()].filter(([, c]) => c >= RARE_MIN_COUNT).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      const kept = frequent.slice(0, MAX_ONE_HOT).map(([k]) => k).sort();
      return { name: s.name, kind: 'categorical', categories: kept, rare: kept.length < counts.size };
    }),
  };
}

/** Output column names, in order (for coefficients and explanations). */
export function denseColumnNames(e: DenseEncoder): string[] {
  const out: string[] = [];
  for (const f of e.features) {
    if (f.kind === 'numeric') {
      out.push(f.name);
      if (f.indicator) out.push(`${f.name}__missing`);
    } else {
      for (const c of f.categories) out.push(`${f.name}=${c}`);
      if (f.rare) out.push(`${f.name}=__rare__`);
    }
  }
  return out;
}

export function encodeDense(e: DenseEncoder, table: Table): FeatureMatrix {
  const missing = e.features.filter((f) => !columnByName(table, f.name)).map((f) => `"${f.name}"`);
  if (missing.length > 0) throw invalid(`input is missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  const n = table.rows;
  const columns: Float64Array[] = [];
  for (const f of e.features) {
    const col = columnByName(table, f.name)!;
    if (f.kind === 'numeric') {
      const v = numbers(col);
      const out = new Float64Array(n);
      const ind = f.indicator ? new Float64Array(n) : null;
      for (let i = 0; i < n; i++) {
        const x = v[i];
        const isMissing = !Number.isFinite(x);
        // clipped so an extreme but finite input (1e308) cannot overflow a dot product into Infinity - Infinity
        out[i] = Math.max(-1e9, Math.min(1e9, ((isMissing ? f.median : x) - f.mean) / f.scale));
        if (ind && isMissing) ind[i] = 1;
      }
      columns.push(out);
      if (ind) columns.push(ind);
    } else {
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
    }
  }
  const names = denseColumnNames(e);
  return { rows: n, columns, kinds: names.map(() => 'numeric'), nCategories: names.map(() => 0), names };
}
