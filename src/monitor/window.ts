import { isObject } from '../core/json.ts';
import type { FeatureSpec, TargetSpec } from '../core/schema.ts';
import { binOf } from '../core/search.ts';
import type { Predictions } from '../learn/index.ts';
import { categoryIndex, categoryRemap, columnByName, remapMemo, type RemapMemo, type Table } from '../core/table.ts';
import { binCounts, type FeatureBaseline } from '../stats/baseline.ts';

/** Latency bucket upper bounds, milliseconds (the last bucket is everything above): percentiles to within a bucket. */
export const LATENCY_EDGES_MS = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 250, 500, 1000, 2500, 10_000];

/**
 * One window's aggregates for one model version: plain numbers, so serving processes write them as JSON and windows add up
 * (workers, flushes, minutes into hours) by adding arrays. Feature counts are over the bundle's baseline bins (numeric:
 * quantile bins, then missing; categorical: each training category, then unseen, then missing).
 */
export interface WindowStats {
  /** answered requests and the rows in them */
  requests: number;
  rows: number;
  /** requests answered with a 4xx or 5xx */
  errors: number;
  latency: number[];
  latencySumMs: number;
  features: Record<string, number[]>;
  /** numeric rows outside the training range [min, max] */
  outOfRange: Record<string, number>;
  /** the model's output over its output baseline's bins (prediction drift) */
  output: number[];
  /** rows each humility rule fired on */
  humility: Record<string, number>;
}

export function emptyWindow(): WindowStats {
  return { requests: 0, rows: 0, errors: 0, latency: new Array<number>(LATENCY_EDGES_MS.length + 1).fill(0), latencySumMs: 0, features: {}, outOfRange: {}, output: [], humility: {} };
}

function addArray(into: number[], from: readonly number[]): number[] {
  for (let i = 0; i < from.length; i++) into[i] = (into[i] ?? 0) + from[i];
  return into;
}

function addRecord(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** `into` plus `from` (into is changed and returned). */
export function mergeWindow(into: WindowStats, from: WindowStats): WindowStats {
  into.requests += from.requests;
  into.rows += from.rows;
  into.errors += from.errors;
  addArray(into.latency, from.latency);
  into.latencySumMs += from.latencySumMs;
  for (const [k, v] of Object.entries(from.features)) into.features[k] = addArray(into.features[k] ?? [], v);
  addRecord(into.outOfRange, from.outOfRange);
  addArray(into.output, from.output);
  addRecord(into.humility, from.humility);
  return into;
}

/** A stored window's JSON, checked enough that a damaged row cannot break a report (it counts as empty). */
export function parseWindow(text: string): WindowStats {
  try {
    const v = JSON.parse(text) as unknown;
    if (isObject(v) && typeof v.requests === 'number' && Array.isArray(v.latency)) return { ...emptyWindow(), ...(v as Partial<WindowStats>) } as WindowStats;
  } catch {
    // fall through
  }
  return emptyWindow();
}

/** Several stored windows added into one JSON text (the store's compaction). */
export function mergeWindowTexts(texts: string[]): string {
  return JSON.stringify(texts.reduce((acc, t) => mergeWindow(acc, parseWindow(t)), emptyWindow()));
}

/** The latency at quantile q (0..1) from the histogram: the upper bound of the bucket it falls in. */
export function latencyQuantile(w: WindowStats, q: number): number | null {
  const total = w.latency.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  let seen = 0;
  for (let b = 0; b < w.latency.length; b++) {
    seen += w.latency[b];
    if (seen >= q * total) return LATENCY_EDGES_MS[b] ?? Infinity;
  }
  return Infinity;
}

/**
 * A window being counted at the serving end: every feature's bins in one array (the counter knows where each feature's
 * start), no lookups by name per row; turned into the stored form (WindowStats) when written. Made by its version's
 * WindowCounter.
 */
export class LiveWindow {
  requests = 0;
  rows = 0;
  errors = 0;
  latencySumMs = 0;
  readonly latency = new Float64Array(LATENCY_EDGES_MS.length + 1);
  /** feature i's bins are counts[offsets[i] .. offsets[i + 1]) */
  readonly counts: Float64Array;
  readonly outOfRange: Float64Array;
  readonly output: Float64Array;
  readonly humility: Record<string, number> = {};
  constructor(
    private readonly names: readonly string[],
    private readonly offsets: Int32Array,
    outputSize: number,
  ) {
    this.counts = new Float64Array(offsets[names.length]);
    this.outOfRange = new Float64Array(names.length);
    this.output = new Float64Array(outputSize);
  }

  /** Count one answered (or failed) request. */
  addRequest(latencyMs: number, error: boolean): void {
    this.requests++;
    if (error) this.errors++;
    let b = 0;
    while (b < LATENCY_EDGES_MS.length && latencyMs > LATENCY_EDGES_MS[b]) b++;
    this.latency[b]++;
    this.latencySumMs += latencyMs;
  }

  /** The stored form: features (and out-of-range counts, output) only where something was counted. */
  stats(): WindowStats {
    const features: Record<string, number[]> = {};
    const outOfRange: Record<string, number> = {};
    this.names.forEach((name, i) => {
      const bins = this.counts.subarray(this.offsets[i], this.offsets[i + 1]);
      if (bins.some((c) => c > 0)) features[name] = Array.from(bins);
      if (this.outOfRange[i] > 0) outOfRange[name] = this.outOfRange[i];
    });
    const output = this.output.some((c) => c > 0) ? Array.from(this.output) : [];
    return { requests: this.requests, rows: this.rows, errors: this.errors, latency: Array.from(this.latency), latencySumMs: this.latencySumMs, features, outOfRange, output, humility: { ...this.humility } };
  }
}

/**
 * What counting a model version's rows needs, prepared once as flat arrays (few objects to touch per request): each baseline
 * feature's column position, bins, edges and training range, and how the model's answers map onto its output baseline.
 * Counting a request allocates nothing.
 */
export class WindowCounter {
  private readonly names: string[];
  /** the column's usual position in a request's table (the signature's order), checked before it is trusted */
  private readonly hints: Int32Array;
  /** 1: a numeric baseline (edges), 0: categorical */
  private readonly numeric: Uint8Array;
  /** numeric feature i's edges are edges[edgeFrom[i] .. edgeFrom[i + 1]) */
  private readonly edges: Float64Array;
  private readonly edgeFrom: Int32Array;
  private readonly offsets: Int32Array;
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  private readonly memos: RemapMemo[];
  private readonly output: { edges: number[] } | { remap: Int32Array } | null;
  private readonly classes: number;

  constructor(
    private readonly baseline: FeatureBaseline[],
    inputs: FeatureSpec[],
    private readonly outputBaseline: FeatureBaseline | undefined,
    target?: TargetSpec,
  ) {
    const n = baseline.length;
    this.names = baseline.map((b) => b.name);
    this.hints = Int32Array.from(baseline, (b) => inputs.findIndex((f) => f.name === b.name));
    this.numeric = Uint8Array.from(baseline, (b) => (b.kind === 'numeric' ? 1 : 0));
    this.edgeFrom = new Int32Array(n + 1);
    this.offsets = new Int32Array(n + 1);
    this.min = new Float64Array(n).fill(-Infinity);
    this.max = new Float64Array(n).fill(Infinity);
    const edges: number[] = [];
    baseline.forEach((b, i) => {
      if (b.kind === 'numeric') edges.push(...b.edges);
      this.edgeFrom[i + 1] = edges.length;
      this.offsets[i + 1] = this.offsets[i] + b.proportions.length;
      const spec = inputs[this.hints[i]];
      if (spec?.kind === 'numeric') [this.min[i], this.max[i]] = [spec.min, spec.max];
    });
    this.edges = Float64Array.from(edges);
    this.memos = baseline.map(() => remapMemo());
    this.classes = target?.classes?.length ?? 0;
    const ob = outputBaseline;
    if (!ob) this.output = null;
    else if (ob.kind === 'numeric') this.output = { edges: ob.edges };
    else {
      // class index -> the output baseline's bin (a class the baseline never saw counts as unseen)
      const index = categoryIndex(ob.categories);
      this.output = { remap: Int32Array.from(target?.classes ?? [], (c) => index.get(c) ?? ob.categories.length) };
    }
  }

  /** An empty window for this version's baselines. */
  window(): LiveWindow {
    return new LiveWindow(this.names, this.offsets, this.outputBaseline?.proportions.length ?? 0);
  }

  /**
   * Count a table's rows, and the model's answers for them when given (what BundleManifest.outputBaseline describes: the
   * positive class's probability, the value, or the class), into `w`.
   */
  addRows(w: LiveWindow, table: Table, p: Predictions | null): void {
    w.rows += table.rows;
    const counts = w.counts;
    const edges = this.edges;
    for (let i = 0; i < this.names.length; i++) {
      const col = columnByName(table, this.names[i], this.hints[i]);
      if (!col) continue;
      const off = this.offsets[i];
      if (this.numeric[i] === 1 && col.kind === 'numeric') {
        const values = col.values;
        const [from, to] = [this.edgeFrom[i], this.edgeFrom[i + 1]];
        const missing = off + to - from + 1;
        const [min, max] = [this.min[i], this.max[i]];
        let out = 0;
        for (let r = 0; r < values.length; r++) {
          const v = values[r];
          if (v !== v) {
            counts[missing]++;
            continue;
          }
          let lo = from;
          let hi = to;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (v <= edges[mid]) hi = mid;
            else lo = mid + 1;
          }
          counts[off + lo - from]++;
          if (v < min || v > max) out++;
        }
        w.outOfRange[i] += out;
      } else if (this.numeric[i] === 0 && col.kind === 'categorical') {
        const b = this.baseline[i] as FeatureBaseline & { kind: 'categorical' };
        const memo = this.memos[i];
        const remap = memo.from === col.categories && memo.remap.length === col.categories.length ? memo.remap : categoryRemap(col.categories, b.categories, memo);
        const other = off + b.categories.length;
        const codes = col.codes;
        for (let r = 0; r < codes.length; r++) {
          const c = codes[r];
          counts[c < 0 ? other + 1 : remap[c] < 0 ? other : off + remap[c]]++;
        }
      } else binCounts(this.baseline[i], col, counts.subarray(off, this.offsets[i + 1]), this.memos[i]);
    }
    const o = this.output;
    if (!p || !o) return;
    if ('edges' in o) {
      // binary: P(positive); regression: the value
      const k = this.classes;
      if (!p.values && !p.proba) return;
      for (let r = 0; r < p.rows; r++) {
        const v = p.values ? p.values[r] : p.proba![r * k + 1];
        w.output[v !== v ? w.output.length - 1 : binOf(o.edges, v)]++;
      }
    } else if (p.classIndex) {
      for (let r = 0; r < p.rows; r++) {
        const c = p.classIndex[r];
        w.output[c < 0 ? w.output.length - 1 : (o.remap[c] ?? w.output.length - 2)]++;
      }
    }
  }
}
