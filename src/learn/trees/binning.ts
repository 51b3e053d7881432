import type { Rng } from '../../core/random.ts';
import { orderStatistics, presentRange } from '../../core/quantiles.ts';
import { binsOf } from '../../core/search.ts';
import { takeValues, type FeatureMatrix } from '../matrix.ts';

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

/**
 * Add `values`' distinct non-NaN values to `seen` until it holds `limit`, and stop there: continuous values fill it within a
 * few hundred values, so this is no pass over the rest. (A loop of its own: in numericEdges, optimised while the code after
 * it had not run, it was deoptimised at every feature.)
 */
function distinctUpTo(values: Float64Array, seen: Set<number>, limit: number): void {
  for (let i = 0; i < values.length && seen.size < limit; i++) {
    const v = values[i];
    if (v === v) seen.add(v);
  }
}

function numericEdges(col: Float64Array, rng: Rng): Float64Array {
  let values: Float64Array;
  if (col.length > SAMPLE) {
    values = new Float64Array(SAMPLE);
    for (let i = 0; i < SAMPLE; i++) values[i] = col[rng.int(col.length)];
  } else values = col;
  // at most 255 distinct values: an edge between each two; a set that outgrows that stops early
  const seen = new Set<number>();
  distinctUpTo(values, seen, MAX_VALUE_BINS + 1);
  const range = presentRange(values);
  const present = range.n;
  if (present === 0 || seen.size <= 1) return new Float64Array(0);
  if (seen.size <= MAX_VALUE_BINS) {
    const distinct = Float64Array.from(seen).sort();
    const edges = new Float64Array(distinct.length - 1);
    for (let i = 1; i < distinct.length; i++) edges[i - 1] = distinct[i - 1] + (distinct[i] - distinct[i - 1]) / 2;
    return edges;
  }
  // Quantile edges: each bin holds about the same number of sampled values; duplicates collapse. The order statistics
  // come by selection, not a sort (the sort of 160 000 values per feature was a tenth of a GBDT fit); same edges.
  const positions = Array.from({ length: MAX_VALUE_BINS - 1 }, (_, k) => Math.floor(((k + 1) / MAX_VALUE_BINS) * (present - 1)));
  const ranks = [...new Set([...positions.flatMap((p) => [p, Math.min(present - 1, p + 1)]), present - 1])].sort((a, b) => a - b);
  const found = orderStatistics(values, ranks, range);
  const value = new Map(ranks.map((r, i) => [r, found[i]]));
  const edges: number[] = [];
  for (const p of positions) {
    const lo = value.get(p)!;
    const hi = value.get(Math.min(present - 1, p + 1))!;
    const e = lo + (hi - lo) / 2;
    if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
  }
  if (edges[edges.length - 1] >= value.get(present - 1)!) edges.pop();
  return Float64Array.from(edges);
}

/**
 * Discretise every feature into at most 255 bins (numeric: quantiles of a sample; categorical: the code itself, codes past 254
 * count as missing), so split finding scans small histograms instead of sorted values. Bins are stored row-major (row r's
 * features at r*F..r*F+F-1): a histogram pass then reads each row's bytes and gradients once. With `rows`, only those rows of
 * `m` are binned (in that order) and the bins fitted on them: a held-out share needs no copy of the training rows' values.
 * With `keepColumns`, `columns` also holds them column-major (the forest's splits read one feature of many rows; a GBDT's
 * do not, and passes false).
 */
export function binMatrix(m: FeatureMatrix, rng: Rng, rows?: Uint32Array, into?: Uint8Array, keepColumns = true): { mappers: BinMapper[]; bins: Uint8Array; columns: Uint8Array[] } {
  const mappers: BinMapper[] = [];
  const F = m.columns.length;
  const n = rows ? rows.length : m.rows;
  // `into`: where the row-major bins go (a grower's arena), else a new array
  const bins = into ?? new Uint8Array(n * F);
  if (bins.length !== n * F) throw new Error(`binMatrix: ${bins.length} bytes for ${n} rows of ${F} features`);
  const columns: Uint8Array[] = [];
  // the rows' values of one feature at a time, in one array (a new one per feature was 1.4 MB of garbage a feature at 180 000 rows)
  const taken = rows ? new Float64Array(n) : null;
  for (let f = 0; f < F; f++) {
    const col = rows ? takeValues(m.columns[f], rows, taken!) : m.columns[f];
    const mapper: BinMapper = m.kinds[f] === 'categorical' ? { kind: 'categorical', nBins: Math.min(m.nCategories[f], MAX_VALUE_BINS), edges: new Float64Array(0) } : numericMapper(numericEdges(col, rng));
    mappers.push(mapper);
    if (keepColumns) {
      const out = new Uint8Array(n);
      columns.push(out);
      binColumn(col, mapper, out, 0, 1);
      interleave(out, bins, f, F);
    } else binColumn(col, mapper, bins, f, F);
  }
  return { mappers, bins, columns };
}


/** A numeric feature's mapper for its edges. */
function numericMapper(edges: Float64Array): BinMapper {
  return { kind: 'numeric', nBins: edges.length + 1, edges };
}

/**
 * Each value's bin by its feature's mapper, value i's at out[at + i * stride]: categorical codes past the mapper's bins, and
 * NaN, are missing.
 */
function binColumn(col: Float64Array, mapper: BinMapper, out: Uint8Array, at: number, stride: number): void {
  if (mapper.kind === 'numeric') return binsOf(col, mapper.edges, out, MISSING_BIN, at, stride);
  const nBins = mapper.nBins;
  for (let i = 0; i < col.length; i++) {
    const v = col[i];
    out[at + i * stride] = Number.isNaN(v) || v >= nBins || v < 0 ? MISSING_BIN : v;
  }
}

/** bins[i * F + f] = column[i]: one feature's bins into row-major bins. */
function interleave(column: Uint8Array, bins: Uint8Array, f: number, F: number): void {
  for (let i = 0; i < column.length; i++) bins[i * F + f] = column[i];
}

/**
 * Bin new rows (row-major) with mappers fitted elsewhere: validation rows during early stopping (`rows` of m, or all), into
 * `into` or a new array.
 */
export function binRows(m: FeatureMatrix, mappers: BinMapper[], rows?: Uint32Array, into?: Uint8Array): Uint8Array {
  const F = mappers.length;
  const n = rows ? rows.length : m.rows;
  const out = into ?? new Uint8Array(n * F);
  if (out.length !== n * F) throw new Error(`binRows: ${out.length} bytes for ${n} rows of ${F} features`);
  const taken = rows ? new Float64Array(n) : null;
  for (let f = 0; f < F; f++) binColumn(rows ? takeValues(m.columns[f], rows, taken!) : m.columns[f], mappers[f], out, f, F);
  return out;
}
