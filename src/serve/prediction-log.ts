import { jsonNumber, jsonStrings } from '../core/json.ts';
import type { Table } from '../core/table.ts';
import { PredictionBatch, type MonitorStore, type PredictionStore, type PredictionWriter, type RetentionRule } from '../store/index.ts';

/** Write through a store interface (the SDK, tests): records are decoded back into objects. */
export function storeSink(store: PredictionStore, monitor: MonitorStore): PredictionWriter {
  return {
    write: (batch) => store.append(batch.records()),
    prune: (rule, opts) => store.prune(rule, opts),
    addWindows: (rows) => monitor.addWindows(rows),
    compact: (opts) => monitor.compact(opts),
    close: async () => undefined,
  };
}

/** What the hot path hands over; push() turns it into the batch's text at once (see there). */
export interface PendingPrediction {
  id: string;
  model: string;
  version: string;
  at: number;
  /** kept to the microsecond */
  latencyMs: number;
  table: Table;
  /** the response body as sent (JSON text) */
  outputs: string;
  shadow: boolean;
}

export interface PredictionLogOptions {
  /** records waiting at most; past it new ones are dropped (and counted), predictions still answer */
  capacity?: number;
  /** records per write */
  batch?: number;
  /** how often the queue is written, milliseconds */
  intervalMs?: number;
  onError?: (message: string) => void;
}

/**
 * An asynchronous, bounded prediction log: `push` never waits and never fails; a timer writes batches to the store. When
 * the store falls behind and the queue is full, records are dropped and counted (`dropped`); a batch the store refuses is
 * counted in `failed`. `close` writes what is queued.
 */
export class PredictionLog {
  /** the batch being filled, per model */
  private readonly filling = new Map<string, PredictionBatch>();
  /** full batches waiting to be written, oldest first */
  private readonly ready: PredictionBatch[] = [];
  private waiting = 0;
  /** buffers of written batches, reused */
  private readonly spare: Buffer[] = [];
  private writing: Promise<void> | null = null;
  private readonly names = new NamesJson();
  private readonly timer: NodeJS.Timeout;
  private readonly capacity: number;
  private readonly batch: number;
  logged = 0;
  dropped = 0;
  failed = 0;

  constructor(
    private readonly sink: PredictionWriter,
    private readonly opts: PredictionLogOptions = {},
  ) {
    this.capacity = opts.capacity ?? 10_000;
    // a batch is one row written on the serving thread: 100 records keep a write near half a millisecond (500 took ~3 ms,
    // with waits for another process's commit beyond that)
    this.batch = opts.batch ?? 100;
    this.timer = setInterval(() => void this.flush(), opts.intervalMs ?? 200);
    this.timer.unref();
  }

  get queued(): number {
    return this.waiting;
  }

  /**
   * Queue a record. It becomes its batch's text here rather than at write time: records held as objects until written
   * (tables, then strings) lived through young-generation collections and cost a tenth of a serving thread in GC.
   */
  push(p: PendingPrediction): void {
    if (this.waiting >= this.capacity) {
      this.dropped++;
      return;
    }
    let b = this.filling.get(p.model);
    if (!b) this.filling.set(p.model, (b = new PredictionBatch(p.model, this.spare.pop())));
    b.add({ id: p.id, version: p.version, at: p.at, latencyMs: Math.round(p.latencyMs * 1000) / 1000, rows: p.table.rows, columns: this.names.of(p.table.columns), features: rowsJson(p.table), outputs: p.outputs, shadow: p.shadow });
    this.waiting++;
    if (b.count >= this.batch) {
      this.filling.delete(p.model);
      this.ready.push(b);
      if (!this.writing) void this.flush();
    }
  }

  /** Write everything queued now (one batch at a time). */
  flush(): Promise<void> {
    if (this.writing) return this.writing;
    for (const b of this.filling.values()) this.ready.push(b);
    this.filling.clear();
    if (this.ready.length === 0) return Promise.resolve();
    this.writing = (async () => {
      try {
        for (let b = this.ready.shift(); b; b = this.ready.shift()) {
          try {
            await this.sink.write(b);
            this.logged += b.count;
          } catch (e) {
            this.failed += b.count;
            this.opts.onError?.(`prediction log: ${b.count} records not written: ${(e as Error).message}`);
          } finally {
            this.waiting -= b.count;
            if (this.spare.length < 4) this.spare.push(b.giveBack());
          }
        }
      } finally {
        this.writing = null;
      }
    })();
    return this.writing;
  }

  /** One bounded retention step on the log's own connection (see PredictionStore.prune). */
  prune(rule: RetentionRule, opts?: { now?: number; limit?: number }): Promise<number> {
    return this.sink.prune(rule, opts);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    // a batch may have filled while the last write was under way
    while (this.writing || this.filling.size > 0 || this.ready.length > 0) await this.flush();
    await this.sink.close();
  }
}

/**
 * A table's rows as JSON text (`[[v, ...], ...]`, missing values null), written out directly: the same text as
 * JSON.stringify of the rows, without building them.
 */
export function rowsJson(table: Table): string {
  const { columns } = table;
  let out = '[';
  for (let r = 0; r < table.rows; r++) {
    out += r === 0 ? '[' : ',[';
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c];
      if (c > 0) out += ',';
      if (col.kind === 'numeric') {
        const v = col.values[r];
        out += jsonNumber(v);
      } else {
        const code = col.codes[r];
        out += code < 0 ? 'null' : jsonStrings(col.categories)[code];
      }
    }
    out += ']';
  }
  return out + ']';
}

/** A column list's JSON, made again only when the list changes: a served model's requests share one (kept per log). */
class NamesJson {
  private names: string[] = [];
  private json = '[]';

  of(columns: { name: string }[]): string {
    let same = columns.length === this.names.length;
    for (let c = 0; same && c < columns.length; c++) same = columns[c].name === this.names[c];
    if (!same) {
      this.names = columns.map((c) => c.name);
      this.json = JSON.stringify(this.names);
    }
    return this.json;
  }
}
