import type { Rng } from '../../core/random.ts';
import { binOf } from '../../core/search.ts';
import type { FeatureMatrix } from '../matrix.ts';

/** Bin 255 of every feature holds missing values, so a histogram slot layout of 256 per feature fits every feature. */
export const MISSING_BIN = 255;
export const MAX_VALUE_BINS = 255;
const SAMPLE = 200_000;

export interface BinMapper {
  kind: 'numeric' | 'categorical';
  /** number of value bins used (excluding the missing bin) */
  nBins: number;
  /** numeric: upper edge of bin i is edges[i] (length nBins-1); a value v falls in the first bin with v <= edge */
  edges: Float64Array;
}

function numericEdges(col: Float64Array, rng: Rng): Float64Array {
  let values: Float64Array;
  if (col.length > SAMPLE) {
    values = new Float64Array(SAMPLE);
    for (let i = 0; i < SAMPLE; i++) values[i] = col[rng.int(col.length)];
  } else values = Float64Array.from(col);
  // typed-array sort puts NaN last, so the present values are a prefix
  values.sort();
  let present = values.length;
  while (present > 0 && Number.isNaN(values[present - 1])) present--;
  if (present === 0) return new Float64Array(0);
  let distinct = 1;
  for (let i = 1; i < present && distinct <= MAX_VALUE_BINS; i++) if (values[i] !== values[i - 1]) distinct++;
  if (distinct <= 1) return new Float64Array(0);
  if (distinct <= MAX_VALUE_BINS) {
    const edges = new Float64Array(distinct - 1);
    let e = 0;
    for (let i = 1; i < present; i++) if (values[i] !== values[i - 1]) edges[e++] = values[i - 1] + (values[i] - values[i - 1]) / 2;
    return edges;
  }
  // Quantile edges: each bin holds about the same number of sampled values; duplicates collapse.
  const edges: number[] = [];
  for (let q = 1; q < MAX_VALUE_BINS; q++) {
    const pos = (q / MAX_VALUE_BINS) * (present - 1);
    const lo = values[Math.floor(pos)];
    const hi = values[Math.min(present - 1, Math.floor(pos) + 1)];
    const e = lo + (hi - lo) / 2;
    if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
  }
  if (edges[edges.length - 1] >= values[present - 1]) edges.pop();
  return Float64Array.from(edges);
}

/**
 * Discretise every feature into at most 255 bins (numeric: quantiles of a sample; categorical: the code itself, codes past 254
 * count as missing), so split finding scans small histograms instead of sorted values. Bins are stored row-major (row r's
 * features at r*F..r*F+F-1): a histogram pass then reads each row's bytes and gradients once.
 */
export function binMatrix(m: FeatureMatrix, rng: Rng): { mappers: BinMapper[]; bins: Uint8Array; columns: Uint8Array[] } {
  const mappers: BinMapper[] = [];
  const F = m.columns.length;
  const bins = new Uint8Array(m.rows * F);
  const columns: Uint8Array[] = [];
  for (let f = 0; f < F; f++) {
    const col = m.columns[f];
    const out = new Uint8Array(m.rows);
    columns.push(out);
    if (m.kinds[f] === 'categorical') {
      const nBins = Math.min(m.nCategories[f], MAX_VALUE_BINS);
      for (let i = 0; i < m.rows; i++) {
        const v = col[i];
        out[i] = Number.isNaN(v) || v >= nBins || v < 0 ? MISSING_BIN : v;
      }
      mappers.push({ kind: 'categorical', nBins, edges: new Float64Array(0) });
    } else {
      const edges = numericEdges(col, rng);
      for (let i = 0; i < m.rows; i++) {
        const v = col[i];
        out[i] = Number.isNaN(v) ? MISSING_BIN : binOf(edges, v);
      }
      mappers.push({ kind: 'numeric', nBins: edges.length + 1, edges });
    }
    for (let i = 0; i < m.rows; i++) bins[i * F + f] = out[i];
  }
  return { mappers, bins, columns };
}

/** Bin new rows (row-major) with mappers fitted elsewhere: validation rows during early stopping. */
export function binRows(m: FeatureMatrix, mappers: BinMapper[]): Uint8Array {
  const F = mappers.length;
  const out = new Uint8Array(m.rows * F);
  for (let f = 0; f < F; f++) {
    const col = m.columns[f];
    const mp = mappers[f];
    for (let i = 0; i < m.rows; i++) {
      const v = col[i];
      out[i * F + f] = Number.isNaN(v) ? MISSING_BIN : mp.kind === 'categorical' ? (v >= 0 && v < mp.nBins ? v : MISSING_BIN) : binOf(mp.edges, v);
    }
  }
  return out;
}
