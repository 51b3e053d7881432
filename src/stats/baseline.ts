import { orderStatistics, presentRange } from '../core/quantiles.ts';
import { binOf, binsOf } from '../core/search.ts';
import type { FeatureSpec } from '../core/schema.ts';
import { categoryIndex, categoryRemap, columnByName, type Column, type RemapMemo, type Table } from '../core/table.ts';

/**
 * A feature's training distribution as binned proportions: what drift monitoring compares live traffic against, small enough to
 * ship in every model bundle (never the training rows themselves).
 * Numeric: bins split at `edges` (v <= edges[0] is bin 0, ...), then one bin for missing.
 * Categorical: one bin per category, one for categories unseen in training, one for missing.
 */
export type FeatureBaseline =
  | ({ name: string; kind: 'numeric'; edges: number[] } & BaselineCommon)
  | ({ name: string; kind: 'categorical'; categories: string[] } & BaselineCommon);

interface BaselineCommon {
  proportions: number[];
  /** training rows counted (absent from bundles made before it) */
  rows?: number;
  /** how much the model's answers depend on the feature, largest 1 (absent before it, and for the output) */
  importance?: number;
}

const DECILES = 10;

/** Decile edges of a sample (ties merged; the top value is never an edge): the order statistics alone, not a sorted copy. */
export function quantileEdges(values: Float64Array): number[] {
  const { n } = presentRange(values);
  if (n === 0) return [];
  const ranks: number[] = [];
  for (let q = 1; q < DECILES; q++) {
    const r = Math.min(n - 1, Math.floor((q / DECILES) * n));
    if (ranks.length === 0 || r > ranks[ranks.length - 1]) ranks.push(r);
  }
  if (ranks[ranks.length - 1] !== n - 1) ranks.push(n - 1);
  const at = orderStatistics(values, ranks);
  const top = at[at.length - 1];
  const edges: number[] = [];
  for (let k = 0; k < at.length; k++) {
    const e = at[k];
    if ((edges.length === 0 || e > edges[edges.length - 1]) && e < top) edges.push(e);
  }
  return edges;
}

/**
 * Count a column into the baseline's bins (length = proportions.length). Columns typed differently are matched by value. A
 * caller counting column after column against the same baseline keeps a `memo` for it (see categoryRemap).
 */
export function binCounts(b: FeatureBaseline, col: Column, counts: Float64Array | number[], memo?: RemapMemo): void {
  const n = col.kind === 'numeric' ? col.values.length : col.codes.length;
  if (b.kind === 'numeric') {
    const missing = b.edges.length + 1;
    const edges = b.edges;
    if (col.kind === 'numeric' && edges.length < 255) {
      // every training value of every feature when a model is saved (20 M at a million rows): bins by table, not by search
      const bins = new Uint8Array(n);
      binsOf(col.values, edges, bins, 255);
      for (let i = 0; i < n; i++) counts[bins[i] === 255 ? missing : bins[i]]++;
      return;
    }
    if (col.kind === 'numeric') {
      for (let i = 0; i < n; i++) counts[Number.isNaN(col.values[i]) ? missing : binOf(edges, col.values[i])]++;
      return;
    }
    const parsed = col.categories.map(Number);
    for (let i = 0; i < n; i++) {
      const v = col.codes[i] < 0 ? NaN : parsed[col.codes[i]];
      counts[Number.isNaN(v) ? missing : binOf(edges, v)]++;
    }
    return;
  }
  const other = b.categories.length;
  const missing = other + 1;
  if (col.kind === 'numeric') {
    const index = categoryIndex(b.categories);
    for (let i = 0; i < n; i++) counts[Number.isNaN(col.values[i]) ? missing : (index.get(String(col.values[i])) ?? other)]++;
    return;
  }
  const remap = categoryRemap(col.categories, b.categories, memo);
  for (let i = 0; i < n; i++) {
    const c = col.codes[i];
    counts[c < 0 ? missing : remap[c] < 0 ? other : remap[c]]++;
  }
}

/** Build the baseline of every feature from the training rows. */
export function buildBaseline(table: Table, features: FeatureSpec[]): FeatureBaseline[] {
  return features.map((f) => {
    const col = columnByName(table, f.name)!;
    const b: FeatureBaseline =
      f.kind === 'numeric' && col.kind === 'numeric'
        ? { name: f.name, kind: 'numeric', edges: quantileEdges(col.values), proportions: [] }
        : { name: f.name, kind: 'categorical', categories: f.kind === 'categorical' ? f.categories : [], proportions: [] };
    const size = b.kind === 'numeric' ? b.edges.length + 2 : b.categories.length + 2;
    const counts = new Float64Array(size);
    binCounts(b, col, counts);
    b.proportions = Array.from(counts, (c) => c / Math.max(1, table.rows));
    // the sample size, which the p-value drift tests need (bundles before it leave it out)
    b.rows = table.rows;
    return b;
  });
}
