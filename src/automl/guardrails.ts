import { invalid } from '../core/errors.ts';
import type { FeatureSpec } from '../core/schema.ts';
import type { Column } from '../core/table.ts';
import type { PreparedTarget } from '../data/index.ts';

/** What the checks before any training found, and what they changed. */
export interface GuardrailReport {
  dropped: { column: string; reason: string }[];
  warnings: string[];
  duplicateRows: number;
  /** smallest class share (classification) */
  minorityShare: number | null;
  /** the number of folds used (lowered when a class has fewer rows than folds) */
  folds: number;
}

/** Fraction of rows whose class is the majority class of their value group (20 quantile bins for numbers). */
function purity(col: Column, y: Float64Array, nClasses: number): { purity: number; groups: number } {
  const n = y.length;
  let key: Int32Array;
  let groups: number;
  if (col.kind === 'categorical') {
    key = col.codes;
    groups = col.categories.length + 1;
  } else {
    const present = Array.from(col.values).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
    const cuts = Array.from({ length: 19 }, (_, i) => present[Math.floor(((i + 1) * present.length) / 20)] ?? 0);
    key = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = col.values[i];
      if (Number.isNaN(v)) key[i] = -1;
      else {
        let b = 0;
        while (b < 19 && v > cuts[b]) b++;
        key[i] = b;
      }
    }
    groups = 21;
  }
  const counts = new Map<number, Float64Array>();
  for (let i = 0; i < n; i++) {
    if (key[i] < 0) continue;
    let c = counts.get(key[i]);
    if (!c) counts.set(key[i], (c = new Float64Array(nClasses)));
    c[y[i]]++;
  }
  let best = 0;
  let total = 0;
  for (const c of counts.values()) {
    best += Math.max(...c);
    total += c.reduce((a, b) => a + b, 0);
  }
  return { purity: total > 0 ? best / total : 0, groups: Math.min(groups, counts.size) };
}

function rowKey(t: PreparedTarget, i: number): string {
  let k = String(t.y[i]);
  for (const c of t.features.columns) k += '\u0001' + (c.kind === 'numeric' ? c.values[i] : c.codes[i]);
  return k;
}

/**
 * Checks before any training, as DataRobot runs them: constant and identifier-like columns and target-leakage suspects are
 * dropped (with the reason), duplicate rows and class imbalance are reported, and the fold count is lowered when a class has
 * fewer rows than folds (an error when it has fewer than two).
 */
export function guardrails(t: PreparedTarget, features: FeatureSpec[], folds: number): { features: FeatureSpec[]; report: GuardrailReport } {
  const n = t.features.rows;
  const dropped: GuardrailReport['dropped'] = [];
  const warnings: string[] = [];
  const byName = new Map(t.features.columns.map((c) => [c.name, c]));
  const nClasses = t.spec.classes?.length ?? 0;
  for (const f of features) {
    const col = byName.get(f.name)!;
    if (f.kind === 'numeric' ? !(f.max > f.min) : f.categories.length <= 1) {
      dropped.push({ column: f.name, reason: 'constant (one value in every row)' });
      continue;
    }
    if (f.kind === 'categorical' && n >= 50 && f.categories.length >= 0.95 * (n - f.missing)) {
      dropped.push({ column: f.name, reason: `identifier-like (${f.categories.length} distinct values in ${n} rows)` });
      continue;
    }
    if (col.kind === 'numeric' && f.kind === 'numeric' && f.integer && !f.datetime && n >= 50) {
      let increasing = true;
      for (let i = 1; i < n && increasing; i++) increasing = col.values[i] > col.values[i - 1];
      if (increasing) {
        dropped.push({ column: f.name, reason: 'identifier-like (a strictly increasing integer: a row number)' });
        continue;
      }
    }
    if (nClasses > 0) {
      const p = purity(col, t.y, nClasses);
      if (p.purity >= 0.99 && p.groups < 0.5 * n) {
        dropped.push({ column: f.name, reason: `target leakage suspect (alone it predicts ${t.spec.name} for ${(p.purity * 100).toFixed(1)}% of rows)` });
        continue;
      }
    }
  }
  const seen = new Set<string>();
  let duplicateRows = 0;
  for (let i = 0; i < n; i++) {
    const k = rowKey(t, i);
    if (seen.has(k)) duplicateRows++;
    else seen.add(k);
  }
  if (duplicateRows > 0) warnings.push(`${duplicateRows} duplicate rows (${((duplicateRows / n) * 100).toFixed(1)}%): cross-validation scores may be optimistic`);
  let minorityShare: number | null = null;
  let k = folds;
  if (nClasses > 0) {
    const counts = new Array<number>(nClasses).fill(0);
    for (let i = 0; i < n; i++) counts[t.y[i]]++;
    const min = Math.min(...counts);
    minorityShare = min / n;
    if (min < 2) throw invalid(`class "${t.spec.classes![counts.indexOf(min)]}" has ${min} row: cross-validation needs at least 2 per class`);
    if (minorityShare < 0.1) warnings.push(`class imbalance: the smallest class is ${(minorityShare * 100).toFixed(1)}% of rows; folds are stratified so every fold sees it`);
    if (min < folds) {
      k = Math.max(2, min);
      warnings.push(`the smallest class has ${min} rows, fewer than ${folds} folds: using ${k} folds`);
    }
  }
  if (n < 2 * k) throw invalid(`${n} rows are too few for ${k}-fold cross-validation`);
  const dropSet = new Set(dropped.map((d) => d.column));
  const kept = features.filter((f) => !dropSet.has(f.name));
  if (kept.length === 0) throw invalid('every feature was dropped by the guardrails (constant, identifier-like or leaking): nothing left to learn from');
  return { features: kept, report: { dropped, warnings, duplicateRows, minorityShare, folds: k } };
}
