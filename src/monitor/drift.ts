import { columnByName, remapMemo, type RemapMemo, type Table } from '../core/table.ts';
import { binCounts, type FeatureBaseline } from '../stats/baseline.ts';
import { psi, PSI_MAJOR, PSI_MODERATE } from '../stats/psi.ts';

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
