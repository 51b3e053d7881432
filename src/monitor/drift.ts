import { columnByName, remapMemo, type RemapMemo, type Table } from '../core/table.ts';
import { binCounts, type FeatureBaseline } from './baseline.ts';

/** Industry-standard PSI bands: below 0.1 stable, 0.1 to 0.25 moderate shift, above 0.25 major shift. */
export const PSI_MODERATE = 0.1;
export const PSI_MAJOR = 0.25;
const FLOOR = 1e-4;

export interface FeatureDrift {
  name: string;
  psi: number;
  status: 'stable' | 'moderate' | 'major';
}

export interface DriftReport {
  rows: number;
  features: FeatureDrift[];
  /** features at moderate or major shift, worst first */
  drifted: string[];
}

/** Population stability index: sum over bins of (actual - expected) * ln(actual / expected), shares floored at 1e-4. */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(FLOOR, expected[i]);
    const a = Math.max(FLOOR, actual[i]);
    s += (a - e) * Math.log(a / e);
  }
  return s;
}

/**
 * Accumulates live feature values into the baseline's bins (counts only, constant memory) and reports PSI per feature.
 * The server keeps one per served model version.
 */
export class DriftMonitor {
  private readonly counts: Float64Array[];
  private readonly remaps: RemapMemo[];
  private rows = 0;

  constructor(private readonly baseline: FeatureBaseline[]) {
    this.counts = baseline.map((b) => new Float64Array(b.proportions.length));
    this.remaps = baseline.map(() => remapMemo());
  }

  add(table: Table): void {
    for (let i = 0; i < this.baseline.length; i++) {
      const b = this.baseline[i];
      const col = columnByName(table, b.name, i);
      if (col) binCounts(b, col, this.counts[i], this.remaps[i]);
    }
    this.rows += table.rows;
  }

  report(): DriftReport {
    const features = this.baseline.map((b, i): FeatureDrift => {
      const actual = Array.from(this.counts[i], (c) => c / Math.max(1, this.rows));
      const value = this.rows === 0 ? 0 : psi(b.proportions, actual);
      return { name: b.name, psi: value, status: value >= PSI_MAJOR ? 'major' : value >= PSI_MODERATE ? 'moderate' : 'stable' };
    });
    const drifted = features.filter((f) => f.status !== 'stable').sort((a, b) => b.psi - a.psi).map((f) => f.name);
    return { rows: this.rows, features, drifted };
  }
}
