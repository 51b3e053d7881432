import { Rng } from '../core/random.ts';
import type { FeatureSpec, TargetSpec } from '../core/schema.ts';
import { takeRows, type Table } from '../core/table.ts';
import { encode, predictTable, trainModel, type TabularModel } from '../learn/index.ts';
import { rowMajor, silhouette } from '../learn/cluster/index.ts';
import type { Candidate, SearchState } from './search.ts';

export const CLUSTER_TARGET: TargetSpec = { name: 'cluster', task: 'clustering' };

/** Rows the silhouette is computed on (it is quadratic), and rows candidates are fitted on (the winner refits on all). */
const SILHOUETTE_ROWS = 2_000;
const FIT_ROWS = 20_000;

export interface ClusterSearchOptions {
  seed: number;
  budgetSeconds: number;
  /** the largest k tried (default: 10, at most the square root of the row count) */
  maxClusters?: number;
  now?: () => number;
}

/** The cluster sizes and each cluster's mean of every numeric feature and most common category: what makes it distinct. */
export interface ClusterProfile {
  cluster: string;
  rows: number;
  share: number;
  numeric: Record<string, number | null>;
  categorical: Record<string, string | null>;
}

function sampleRows(n: number, m: number, rng: Rng): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  if (m >= n) return idx;
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, m).sort((a, b) => a - b);
}

/**
 * Pick the number of clusters by silhouette, as scikit-learn users do: k-means (k-means++ starts) for k = 2, 3, ... on the
 * same preprocessing (imputed, standardised, one-hot), each scored by the mean silhouette of a fixed seeded sample in the
 * encoded space; stops early when the next k would not fit in the budget.
 */
export async function searchClusters(table: Table, features: FeatureSpec[], o: ClusterSearchOptions, onEvent: (c: Candidate, s: SearchState) => void = () => undefined): Promise<{ candidates: Candidate[]; best: Candidate }> {
  const now = o.now ?? (() => performance.now() / 1000);
  const start = now();
  const rng = new Rng(o.seed ^ 0xc1);
  const n = table.rows;
  const maxK = Math.max(2, Math.min(o.maxClusters ?? 10, Math.floor(Math.sqrt(n))));
  const fitTable = takeRows(table, sampleRows(n, FIT_ROWS, rng));
  const sample = takeRows(table, sampleRows(n, SILHOUETTE_ROWS, rng));
  const zeros = new Float64Array(fitTable.rows);
  const candidates: Candidate[] = [];
  const best = () => candidates.filter((c) => c.status === 'complete').sort((a, b) => b.cvMean - a.cvMean || a.id - b.id)[0] ?? null;
  for (let k = 2; k <= maxK; k++) {
    const elapsed = now() - start;
    const last = candidates.at(-1);
    // the next k costs a little more than the last: stop when it would overrun
    if (last && elapsed + last.fitSeconds * 1.3 > o.budgetSeconds) break;
    const c: Candidate = { id: candidates.length, learner: 'kmeans', params: { n_clusters: k }, foldScores: [], cvMean: NaN, cvStd: 0, fitSeconds: 0, predictSeconds: 0, predictedRows: 0, status: 'complete' };
    const t0 = now();
    const model = await trainModel(fitTable, zeros, CLUSTER_TARGET, features, { learner: 'kmeans', params: c.params, seed: o.seed });
    const X = encode(model.encoder, sample);
    const labels = predictTable(model, sample).classIndex!;
    c.cvMean = silhouette(rowMajor(X), sample.rows, X.columns.length, labels);
    c.foldScores = [c.cvMean];
    c.fitSeconds = now() - t0;
    candidates.push(c);
    onEvent(c, { tried: candidates.length, best: best(), secondsLeft: o.budgetSeconds - (now() - start) });
  }
  return { candidates, best: best()! };
}

/** Per cluster: size, numeric means and the most common category of each feature. */
export function clusterProfiles(model: TabularModel, table: Table): ClusterProfile[] {
  const p = predictTable(model, table);
  const classes = model.target.classes!;
  return classes.map((name, k) => {
    const rows: number[] = [];
    for (let i = 0; i < p.rows; i++) if (p.classIndex![i] === k) rows.push(i);
    const numeric: Record<string, number | null> = {};
    const categorical: Record<string, string | null> = {};
    for (const f of model.features) {
      const col = table.columns.find((c) => c.name === f.name);
      if (!col) continue;
      if (col.kind === 'numeric') {
        let s = 0;
        let m = 0;
        for (const i of rows) {
          if (Number.isNaN(col.values[i])) continue;
          s += col.values[i];
          m++;
        }
        numeric[f.name] = m ? s / m : null;
      } else {
        const counts = new Map<number, number>();
        for (const i of rows) if (col.codes[i] >= 0) counts.set(col.codes[i], (counts.get(col.codes[i]) ?? 0) + 1);
        const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
        categorical[f.name] = top ? col.categories[top[0]] : null;
      }
    }
    return { cluster: name, rows: rows.length, share: rows.length / p.rows, numeric, categorical };
  });
}
