import type { Table } from '../core/table.ts';
import type { Predictions } from '../learn/index.ts';
import type { BundleManifest } from '../registry/index.ts';
import type { MonitorWindowRow } from '../store/index.ts';
import { emptyWindow, LiveWindow, mergeWindow, mergeWindowTexts, WindowCounter, type WindowStats } from './window.ts';

/** Where a serving process's windows go: the store's monitor, through the prediction log's connection. */
export interface MonitorSink {
  addWindows(rows: MonitorWindowRow[]): Promise<void>;
  compact(opts: { fromSpanMs: number; toSpanMs: number; before: number; merge: (stats: string[]) => string; limit?: number }): Promise<number>;
}

import { HOUR_MS, MINUTE_MS } from './window-length.ts';

export interface MonitorRecorderOptions {
  /** how often windows are written (default 5 s; what a crash of the process can lose) */
  intervalMs?: number;
  onError?: (message: string) => void;
  /** false: count nothing (serving without monitoring) */
  enabled?: boolean;
}

/** One model version in this process: how its rows are counted, the minutes not yet written, and the process's total. */
class VersionWindows {
  readonly counter: WindowCounter;
  readonly pending = new Map<number, LiveWindow>();
  readonly total = emptyWindow();
  /** the minute being counted (the usual case: no map lookup) */
  private current: LiveWindow | null = null;
  private currentStart = -1;
  constructor(
    readonly model: string,
    readonly version: string,
    readonly manifest: BundleManifest,
  ) {
    this.counter = new WindowCounter(manifest.baseline, manifest.signature.inputs, manifest.outputBaseline, manifest.target);
  }

  /** The window of the current minute; `keep` false (no store to write to): earlier minutes go into the total at once. */
  now(keep: boolean): LiveWindow {
    const start = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
    if (start === this.currentStart && this.current !== null) return this.current;
    let w = this.pending.get(start);
    if (!w) {
      if (!keep) this.settle();
      this.pending.set(start, (w = this.counter.window()));
    }
    this.current = w;
    this.currentStart = start;
    return w;
  }

  /** Move the pending minutes into the process's total (they are counted once: into a minute, which joins the total later). */
  settle(): void {
    for (const w of this.pending.values()) mergeWindow(this.total, w.stats());
    this.pending.clear();
    this.current = null;
  }

  /** The total with the minutes not yet settled. */
  seen(): WindowStats {
    const t = mergeWindow(emptyWindow(), this.total);
    for (const w of this.pending.values()) mergeWindow(t, w.stats());
    return t;
  }
}

/**
 * Monitoring at the serving end: each answered request is counted into its model version's window of the current minute
 * (requests, errors, latency, feature bins, out-of-range values, output bins); every few seconds the minutes are written to
 * the store as partial windows, which add up across workers and restarts, and minutes of finished hours are compacted into
 * hours. Counting stays on the serving thread and costs what the per-process drift counting cost before it.
 * @example
 * const recorder = new MonitorRecorder(sink);
 * recorder.answered('churn', '3', manifest, table, predictions, 1.2);
 */
export class MonitorRecorder {
  private readonly versions = new Map<string, VersionWindows>();
  private last: VersionWindows | null = null;
  private readonly timer: NodeJS.Timeout | null;
  private writing: Promise<void> | null = null;
  private lastCompact = 0;
  private readonly enabled: boolean;
  /** windows written, and windows the store refused */
  written = 0;
  refused = 0;

  constructor(
    private readonly sink: MonitorSink | null,
    private readonly opts: MonitorRecorderOptions = {},
  ) {
    this.enabled = opts.enabled !== false;
    this.timer = sink && this.enabled ? setInterval(() => void this.flush(), opts.intervalMs ?? 5_000) : null;
    this.timer?.unref();
  }

  private entry(model: string, version: string, manifest: BundleManifest): VersionWindows {
    let v = this.last;
    if (v === null || v.model !== model || v.version !== version || v.manifest !== manifest) {
      const key = `${model}\u0000${version}`;
      v = this.versions.get(key) ?? null;
      // a version re-loaded (another bundle under the same label) counts on with its own baselines
      if (!v || v.manifest !== manifest) this.versions.set(key, (v = new VersionWindows(model, version, manifest)));
      this.last = v;
    }
    return v;
  }

  /** A request answered: its rows, the model's output for them, and its latency. */
  answered(model: string, version: string, manifest: BundleManifest, table: Table, predictions: Predictions, latencyMs: number): void {
    if (!this.enabled) return;
    const v = this.entry(model, version, manifest);
    const w = v.now(this.sink !== null);
    v.counter.addRows(w, table, predictions);
    w.addRequest(latencyMs, false);
  }

  /** A request to a known version that failed (bad input, or the model failing). */
  failed(model: string, version: string, manifest: BundleManifest, latencyMs: number): void {
    if (!this.enabled) return;
    const v = this.entry(model, version, manifest);
    v.now(this.sink !== null).addRequest(latencyMs, true);
  }

  /** Rows a humility rule fired on. */
  humility(model: string, version: string, manifest: BundleManifest, rule: string, rows: number): void {
    if (!this.enabled) return;
    const w = this.entry(model, version, manifest).now(this.sink !== null);
    w.humility[rule] = (w.humility[rule] ?? 0) + rows;
  }

  /** Everything this process counted for a version since it started (its live view, without the store). */
  totals(model: string, version: string): WindowStats | null {
    return this.versions.get(`${model}\u0000${version}`)?.seen() ?? null;
  }

  /** Write the pending minutes now; then, at most once a minute, compact minutes of finished hours. */
  flush(): Promise<void> {
    if (!this.sink) return Promise.resolve();
    if (this.writing) return this.writing;
    const rows: MonitorWindowRow[] = [];
    for (const v of this.versions.values()) {
      for (const [start, w] of v.pending) rows.push({ model: v.model, version: v.version, start, spanMs: MINUTE_MS, stats: JSON.stringify(w.stats()) });
      v.settle();
    }
    const sink = this.sink;
    // nothing to do must not start a write: an async body without an await would finish (and clear `writing`) before
    // `writing` is set, leaving it set for good and every later flush waiting on it
    if (rows.length === 0 && Date.now() - this.lastCompact < MINUTE_MS) return Promise.resolve();
    this.writing = (async () => {
      await Promise.resolve();
      try {
        if (rows.length) {
          try {
            await sink.addWindows(rows);
            this.written += rows.length;
          } catch (e) {
            this.refused += rows.length;
            this.opts.onError?.(`monitoring: ${rows.length} windows not written: ${(e as Error).message}`);
          }
        }
        const now = Date.now();
        if (now - this.lastCompact >= MINUTE_MS) {
          this.lastCompact = now;
          // a minute may still arrive from a slow flush: an hour is compacted two minutes after it ends, and a late row
          // simply stays a minute row (rows add up whichever way they are stored)
          await sink.compact({ fromSpanMs: MINUTE_MS, toSpanMs: HOUR_MS, before: now - 2 * MINUTE_MS, merge: mergeWindowTexts }).catch((e: Error) => this.opts.onError?.(`monitoring: compaction failed: ${e.message}`));
        }
      } finally {
        this.writing = null;
      }
    })();
    return this.writing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.writing;
    await this.flush();
  }
}

