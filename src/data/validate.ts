import { basename } from 'node:path';
import { psi } from '../stats/index.ts';
import { countCategories, countInBins, duplicateRows, profileLoaded, singleFeaturePurity } from './ingest/duckdb-profile.ts';
import { loadFile, type ReadOptions } from './ingest/duckdb.ts';
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
  /** population stability index: warning at or above psiWarn, error at or above psiError */
  psiWarn?: number;
  psiError?: number;
  /** Jensen-Shannon distance (base 2, 0..1): warning at or above */
  jsWarn?: number;
  /** single-feature purity at or above which a column is flagged as a leakage suspect */
  leakage?: number;
}

export interface ValidationReport {
  file: string;
  rows: number;
  errors: number;
  warnings: number;
  anomalies: Anomaly[];
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

/** Jensen-Shannon distance between two distributions (square root of the divergence, log base 2: 0 same, 1 disjoint). */
export function jsDistance(p: number[], q: number[]): number {
  let d = 0;
  for (let i = 0; i < p.length; i++) {
    const m = (p[i] + q[i]) / 2;
    if (p[i] > 0) d += 0.5 * p[i] * Math.log2(p[i] / m);
    if (q[i] > 0) d += 0.5 * q[i] * Math.log2(q[i] / m);
  }
  return Math.sqrt(Math.max(0, d));
}

function shares(counts: number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total > 0 ? c / total : 0));
}

/**
 * Check a file against a schema (and optionally a baseline profile and a target column): every anomaly kind TFDV-style
 * validation reports, with severities. The file is parsed once into DuckDB and every check runs as SQL.
 */
export async function validateFile(file: string, schema: DataSchema, o: ValidateOptions = {}): Promise<ValidationReport> {
  const f = await loadFile(file, o);
  try {
    const profile = await profileLoaded(f, basename(file));
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
      if (s.min !== undefined && c.min !== null && c.min < s.min) add('out_of_range', 'error', s.name, `column "${s.name}" goes down to ${c.min}, below the schema's minimum ${s.min}`);
      if (s.max !== undefined && c.max !== null && c.max > s.max) add('out_of_range', 'error', s.name, `column "${s.name}" goes up to ${c.max}, above the schema's maximum ${s.max}`);
    }
    const known = new Set(schema.columns.map((s) => s.name));
    for (const c of profile.columns) if (!known.has(c.name)) add('unexpected_column', 'warning', c.name, `column "${c.name}" is not in the schema`);
    const dups = await duplicateRows(f);
    if (dups > 0) add('duplicate_rows', 'warning', null, `${dups} rows (${((dups / Math.max(1, rows)) * 100).toFixed(2)}%) repeat an earlier row exactly`);
    if (o.baseline) {
      const psiWarn = o.psiWarn ?? 0.1;
      const psiError = o.psiError ?? 0.25;
      const jsWarn = o.jsWarn ?? 0.1;
      for (const b of o.baseline.columns) {
        const c = byName.get(b.name);
        // identifiers, free text and timestamps are expected to differ from batch to batch
        if (!c || c.count === 0 || b.type === 'identifier' || b.type === 'text' || b.type === 'datetime') continue;
        const shift = await shiftOf(f, b, c, o.baseline.rows);
        if (!shift) continue;
        const p = psi(shift.expected, shift.actual);
        const js = jsDistance(shift.expected, shift.actual);
        if (p >= psiWarn || js >= jsWarn) {
          add('distribution_shift', p >= psiError ? 'error' : 'warning', b.name, `column "${b.name}" shifted from the baseline: PSI ${p.toFixed(4)}, Jensen-Shannon distance ${js.toFixed(4)}`);
        }
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
    return { file: basename(file), rows, errors, warnings: anomalies.length - errors, anomalies, profile };
  } finally {
    await f.drop();
  }
}

/** Baseline and current distributions of one column over the baseline's bins (plus a missing bin, and "other" for text). */
async function shiftOf(f: Awaited<ReturnType<typeof loadFile>>, b: ColumnProfile, c: ColumnProfile, baselineRows: number): Promise<{ expected: number[]; actual: number[] } | null> {
  if (b.histogram && c.histogram) {
    const col = f.columns.find((x) => x.name === b.name)!;
    const now = await countInBins(f, b.name, b.histogram.edges, isTemporalType(col.type));
    return { expected: shares([...b.histogram.counts, b.missing]), actual: shares([...now.counts, now.missing]) };
  }
  if (b.top && c.top) {
    const values = b.top.map((t) => t.value);
    const now = await countCategories(f, b.name, values);
    const baseOther = b.count - b.top.reduce((a, t) => a + t.count, 0);
    void baselineRows;
    return { expected: shares([...b.top.map((t) => t.count), baseOther, b.missing]), actual: shares([...now.counts, now.other, now.missing]) };
  }
  return null;
}
