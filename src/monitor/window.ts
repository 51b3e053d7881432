import { isObject } from '../core/json.ts';
import type { FeatureSpec } from '../core/schema.ts';
import { columnByName, remapMemo, type Column, type RemapMemo, type Table } from '../core/table.ts';
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

/** What counting a model version's rows needs: its baselines, each feature's training range, remap memos. */
export class WindowCounter {
  private readonly memos: RemapMemo[];
  private readonly outputMemo = remapMemo();
  /** each baseline feature's training range (numeric features of the signature) */
  private readonly ranges: ({ min: number; max: number } | null)[];

  constructor(
    private readonly baseline: FeatureBaseline[],
    inputs: FeatureSpec[],
    private readonly outputBaseline: FeatureBaseline | undefined,
  ) {
    this.memos = baseline.map(() => remapMemo());
    this.ranges = baseline.map((b) => {
      const spec = inputs.find((f) => f.name === b.name);
      return spec?.kind === 'numeric' ? { min: spec.min, max: spec.max } : null;
    });
  }

  /** Count a table's rows (and the model's output for them, when given) into `w`. */
  addRows(w: WindowStats, table: Table, output: Column | null): void {
    w.rows += table.rows;
    for (let i = 0; i < this.baseline.length; i++) {
      const b = this.baseline[i];
      const col = columnByName(table, b.name, i);
      if (!col) continue;
      const size = b.proportions.length;
      let counts = w.features[b.name];
      if (!counts || counts.length !== size) w.features[b.name] = counts = new Array<number>(size).fill(0);
      binCounts(b, col, counts, this.memos[i]);
      const spec = this.ranges[i];
      if (spec && col.kind === 'numeric') {
        let out = 0;
        for (let r = 0; r < col.values.length; r++) {
          const v = col.values[r];
          if (v < spec.min || v > spec.max) out++;
        }
        if (out > 0) w.outOfRange[b.name] = (w.outOfRange[b.name] ?? 0) + out;
      }
    }
    if (output && this.outputBaseline) {
      const size = this.outputBaseline.proportions.length;
      if (w.output.length !== size) w.output = new Array<number>(size).fill(0);
      binCounts(this.outputBaseline, output, w.output, this.outputMemo);
    }
  }
}

/** Count one answered (or failed) request into `w`. */
export function addRequest(w: WindowStats, latencyMs: number, error: boolean): void {
  w.requests++;
  if (error) w.errors++;
  let b = 0;
  while (b < LATENCY_EDGES_MS.length && latencyMs > LATENCY_EDGES_MS[b]) b++;
  w.latency[b]++;
  w.latencySumMs += latencyMs;
}
