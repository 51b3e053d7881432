import { basename } from 'node:path';
import { datasetDrift, featureDrift, type DatasetDriftResult, type DriftOptions, type DriftSample, type FeatureDriftResult } from '../stats/index.ts';
import { countCategories, countInBins, countOutside, duplicateRows, profileLoaded, singleFeaturePurity } from './ingest/duckdb-profile.ts';
import { loadFile, type LoadedFile, type ReadOptions } from './ingest/duckdb.ts';
import type { DatasetValidation } from '../store/index.ts';
import { isTemporalType } from './profile.ts';
import type { ColumnProfile, ColumnType, FileProfile } from './profile-types.ts';
import type { DataSchema } from './schema-file.ts';

export type AnomalyKind =
  | 'missing_column'
  | 'unexpected_column'
  | 'type_mismatch'
  | 'out_of_domain'
  | 'out_of_range'
  | 'missing_ratio'
  | 'unexpected_missing'
  | 'duplicate_rows'
  | 'distribution_shift'
  | 'target_leakage';

export interface Anomaly {
  kind: AnomalyKind;
  severity: 'error' | 'warning';
  column: string | null;
  message: string;
}

export interface ValidateOptions extends ReadOptions {
  baseline?: FileProfile;
  target?: string;
  /** the drift tests against the baseline (by default chosen per column by kind and sample size) */
  drift?: DriftOptions;
  /** single-feature purity at or above which a column is flagged as a leakage suspect */
  leakage?: number;
}

export interface ValidationReport {
  file: string;
  rows: number;
  errors: number;
  warnings: number;
  anomalies: Anomaly[];
  /** per-column drift against the baseline (test, statistic, threshold, verdict) and the dataset's verdict; null without one */
  drift: DatasetDriftResult | null;
  profile: FileProfile;
}

const ACCEPTS: Record<ColumnType, ColumnType[]> = {
  numeric: ['numeric', 'integer', 'boolean', 'identifier'],
  integer: ['integer', 'boolean', 'identifier'],
  boolean: ['boolean'],
  categorical: ['categorical', 'boolean', 'integer', 'identifier'],
  datetime: ['datetime'],
  text: ['text', 'categorical', 'identifier', 'boolean'],
  identifier: ['identifier', 'integer', 'categorical', 'text'],
};

/**
 * Check a file against a schema (and optionally a baseline profile and a target column): every anomaly kind TFDV-style
 * validation reports, with severities. The file is parsed once into DuckDB and every check runs as SQL.
 */
export async function validateFile(file: string, schema: DataSchema, o: ValidateOptions = {}): Promise<ValidationReport> {
  const f = await loadFile(file, o);
  try {
    return await validateLoaded(f, file, await profileLoaded(f, basename(file)), schema, o);
  } finally {
    await f.drop();
  }
}

/** The same for a file the caller has loaded and profiled (registering it, say). */
export async function validateLoaded(f: LoadedFile, file: string, profile: FileProfile, schema: DataSchema, o: ValidateOptions = {}): Promise<ValidationReport> {
  const anomalies: Anomaly[] = [];
  const add = (kind: AnomalyKind, severity: Anomaly['severity'], column: string | null, message: string) => anomalies.push({ kind, severity, column, message });
  const byName = new Map(profile.columns.map((c) => [c.name, c]));
  const rows = profile.rows;
  for (const s of schema.columns) {
    const c = byName.get(s.name);
    if (!c) {
      add('missing_column', 'error', s.name, `column "${s.name}" is in the schema but not in the file`);
      continue;
    }
    const present = c.count > 0;
    if (present && !ACCEPTS[s.type].includes(c.type)) {
      add('type_mismatch', 'error', s.name, `column "${s.name}" should be ${s.type} but holds ${c.type} values (read as ${c.storage})`);
      continue;
    }
    const ratio = rows === 0 ? 0 : c.missing / rows;
    if (!s.nullable && c.missing > 0) add('unexpected_missing', 'error', s.name, `column "${s.name}" may not be missing but is in ${c.missing} rows`);
    else if (ratio > s.maxMissingRatio) add('missing_ratio', 'error', s.name, `column "${s.name}" is missing in ${(ratio * 100).toFixed(2)}% of rows; the schema allows ${(s.maxMissingRatio * 100).toFixed(2)}%`);
    if (s.categories && present) {
      const counted = await countCategories(f, s.name, s.categories);
      if (counted.other > 0) {
        const share = counted.other / Math.max(1, c.count);
        add('out_of_domain', share > 0.01 ? 'error' : 'warning', s.name, `column "${s.name}" has ${counted.other} values (${(share * 100).toFixed(2)}%) outside its ${s.categories.length} known categories`);
      }
    }
    const below = s.min !== undefined && c.min !== null && c.min < s.min;
    const above = s.max !== undefined && c.max !== null && c.max > s.max;
    if (below || above) {
      // a range inferred from a sample is that sample's extremes: a new sample of the same data passes a few values beyond them
      // (a warning), a shift moves many (an error), as with categories
      const col = f.columns.find((x) => x.name === s.name)!;
      const n = await countOutside(f, s.name, s.min, s.max, isTemporalType(col.type));
      const share = (n.below + n.above) / Math.max(1, c.count);
      const where = [n.below > 0 && `${n.below} below ${s.min} (down to ${c.min})`, n.above > 0 && `${n.above} above ${s.max} (up to ${c.max})`].filter(Boolean).join(', ');
      add('out_of_range', share > 0.01 ? 'error' : 'warning', s.name, `column "${s.name}" has ${n.below + n.above} values (${(share * 100).toFixed(2)}%) outside the schema's range: ${where}`);
    }
  }
  const known = new Set(schema.columns.map((s) => s.name));
  for (const c of profile.columns) if (!known.has(c.name)) add('unexpected_column', 'warning', c.name, `column "${c.name}" is not in the schema`);
  const dups = await duplicateRows(f);
  if (dups > 0) add('duplicate_rows', 'warning', null, `${dups} ${dups === 1 ? 'row' : 'rows'} (${((dups / Math.max(1, rows)) * 100).toFixed(2)}%) ${dups === 1 ? 'repeats' : 'repeat'} an earlier row exactly`);
  let drift: DatasetDriftResult | null = null;
  if (o.baseline) {
    const features: FeatureDriftResult[] = [];
    for (const b of o.baseline.columns) {
      const c = byName.get(b.name);
      // identifiers, free text and timestamps are expected to differ from batch to batch
      if (!c || b.type === 'identifier' || b.type === 'text' || b.type === 'datetime') continue;
      const bins = await binsOf(f, b, c);
      if (bins) features.push(featureDrift(b.name, bins.baseline, bins.current, o.drift));
    }
    drift = datasetDrift(features, o.drift);
    for (const name of drift.drifted) {
      const r = features.find((x) => x.name === name)!;
      const how = r.pValue !== null ? `p-value ${fmt(r.pValue)} < ${r.threshold}` : `${fmt(r.statistic!)} >= ${r.threshold}`;
      add('distribution_shift', drift.datasetDrift ? 'error' : 'warning', name, `column "${name}" shifted from the baseline: ${r.test} ${how}${r.test === 'ks' || r.test === 'chi_squared' ? ` (statistic ${fmt(r.statistic!)})` : ''}`);
    }
  }
  if (o.target) {
    if (!byName.has(o.target)) add('missing_column', 'error', o.target, `target column "${o.target}" is not in the file`);
    else {
      const limit = o.leakage ?? 0.98;
      for (const [name, purity] of await singleFeaturePurity(f, o.target)) {
        if (purity >= limit) add('target_leakage', 'warning', name, `column "${name}" alone predicts "${o.target}" for ${(purity * 100).toFixed(2)}% of rows: is it known before the target is?`);
      }
    }
  }
  const errors = anomalies.filter((a) => a.severity === 'error').length;
  return { file: basename(file), rows, errors, warnings: anomalies.length - errors, anomalies, drift, profile };
}

/** What a report keeps as a stored validation: the anomalies, and per column the drift test's figures. */
export function findingsOf(r: ValidationReport): Pick<DatasetValidation, 'errors' | 'warnings' | 'anomalies' | 'drift'> {
  return {
    errors: r.errors,
    warnings: r.warnings,
    anomalies: r.anomalies,
    drift: r.drift && {
      datasetDrift: r.drift.datasetDrift,
      share: r.drift.share,
      features: r.drift.features.map((x) => ({ name: x.name, test: x.test, statistic: x.statistic, threshold: x.threshold, drifted: x.drifted })),
    },
  };
}

/**
 * One column's baseline and current counts over the baseline's bins, missing last (numeric: its histogram; categorical: its top
 * values, then one bin for the rest): the drift tests' binned samples, the same as a served model's windows.
 */
async function binsOf(f: LoadedFile, b: ColumnProfile, c: ColumnProfile): Promise<{ baseline: DriftSample; current: DriftSample } | null> {
  // a column of another kind now is a type anomaly, not a drift
  if (b.histogram && (c.histogram || c.count === 0)) {
    const col = f.columns.find((x) => x.name === b.name)!;
    const now = await countInBins(f, b.name, b.histogram.edges, isTemporalType(col.type));
    return { baseline: { kind: 'bins', numeric: true, counts: [...b.histogram.counts, b.missing] }, current: { kind: 'bins', numeric: true, counts: [...now.counts, now.missing] } };
  }
  if (b.top && (c.top || c.count === 0)) {
    const now = await countCategories(f, b.name, b.top.map((t) => t.value));
    const baseOther = b.count - b.top.reduce((a, t) => a + t.count, 0);
    return { baseline: { kind: 'bins', numeric: false, counts: [...b.top.map((t) => t.count), baseOther, b.missing] }, current: { kind: 'bins', numeric: false, counts: [...now.counts, now.other, now.missing] } };
  }
  return null;
}

function fmt(x: number): string {
  return Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(2) : x.toFixed(4);
}
