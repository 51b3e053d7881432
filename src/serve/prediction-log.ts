import { cellValue, type Table } from '../core/table.ts';
import type { PredictionStore } from '../store/index.ts';
import { openMetadataStore } from '../store/open.ts';
import type { SerializedPrediction } from '../store/sql/predictions.ts';
import type { SqlMetadataStore } from '../store/sql/store.ts';

/** Where batches of records go: the store itself (the SDK, tests), or a connection of the log's own (serving). */
export interface PredictionSink {
  write(records: SerializedPrediction[]): Promise<void>;
  close(): Promise<void>;
}

/** Write through a store interface (the SDK, tests): records are decoded back into objects. */
export function storeSink(store: PredictionStore): PredictionSink {
  return {
    write: (records) => store.append(records.map(({ columns, ...r }) => ({ ...r, features: { columns: JSON.parse(columns), rows: JSON.parse(r.features) }, outputs: JSON.parse(r.outputs) }))),
    close: async () => undefined,
  };
}

/**
 * Write from this thread through a connection of the log's own to the store at `uri` (SQLite or PostgreSQL). A batch is
 * one row (see the store), a fraction of a millisecond, so it needs no thread: a writer thread per serving process cost
 * more than the writes. On SQLite the connection commits without waiting for the disk (WAL with synchronous=NORMAL: a
 * crash of the process loses nothing, a power cut may lose the last batches): the log is best-effort by design (it drops
 * and counts when full).
 */
export function connectionSink(uri: string): PredictionSink {
  let store: Promise<SqlMetadataStore> | null = null;
  let checkpoints: { stop: () => Promise<void> } | null = null;
  const open = async () => {
    const s = await openMetadataStore(uri);
    // writes never block the serving thread: a busy database fails a batch at once and it is retried after a pause that
    // lets requests run (below)
    checkpoints = s.driver.forServingWrites?.() ?? null;
    return s;
  };
  // opened at once, so its migration check (which may wait for the database) happens before requests are served
  store = open();
  store.catch(() => undefined);
  return {
    write: async (records) => {
      store ??= open();
      const s = await store;
      for (let attempt = 0; ; attempt++) {
        try {
          await s.predictions.appendSerialized(records);
          return;
        } catch (e) {
          if ((e as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= BUSY_RETRIES) throw e;
          await new Promise((resolve) => setTimeout(resolve, 1 + (attempt % 4)));
        }
      }
    },
    close: async () => {
      const s = store;
      store = null;
      await checkpoints?.stop();
      checkpoints = null;
      await (await s?.catch(() => null))?.close();
    },
  };
}

/** Retries of a batch that found the database busy (a few ms apart: ~10 s in all, the store's usual busy timeout). */
const BUSY_RETRIES = 4_000;

/** What the hot path hands over; push() turns the rows into JSON text at once (see there). */
export interface PendingPrediction {
  id: string;
  model: string;
  version: string;
  at: number;
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
  private queue: SerializedPrediction[] = [];
  private writing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly capacity: number;
  private readonly batch: number;
  logged = 0;
  dropped = 0;
  failed = 0;

  constructor(
    private readonly sink: PredictionSink,
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
    return this.queue.length;
  }

  /**
   * Queue a record. Its rows become JSON text here rather than at write time: a queue of tables (typed arrays, each with
   * its own backing store) lived through young-generation collections and cost a tenth of a serving thread in GC, where
   * short strings cost next to nothing.
   */
  push(p: PendingPrediction): void {
    if (this.queue.length >= this.capacity) {
      this.dropped++;
      return;
    }
    this.queue.push(serialize(p));
    if (this.queue.length >= this.batch && !this.writing) void this.flush();
  }

  /** Write everything queued now (one batch at a time). */
  flush(): Promise<void> {
    if (this.writing) return this.writing;
    if (this.queue.length === 0) return Promise.resolve();
    this.writing = (async () => {
      try {
        while (this.queue.length > 0) {
          const part = this.queue.splice(0, this.batch);
          try {
            await this.sink.write(part);
            this.logged += part.length;
          } catch (e) {
            this.failed += part.length;
            this.opts.onError?.(`prediction log: ${part.length} records not written: ${(e as Error).message}`);
          }
        }
      } finally {
        this.writing = null;
      }
    })();
    return this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await this.sink.close();
  }
}

function serialize(p: PendingPrediction): SerializedPrediction {
  const { table } = p;
  const { columns } = table;
  const rows: (number | string | null)[][] = new Array(table.rows);
  for (let r = 0; r < table.rows; r++) {
    const row = new Array<number | string | null>(columns.length);
    for (let c = 0; c < columns.length; c++) row[c] = cellValue(columns[c], r);
    rows[r] = row;
  }
  return { id: p.id, model: p.model, version: p.version, at: p.at, latencyMs: p.latencyMs, rows: table.rows, columns: namesJson(columns), features: JSON.stringify(rows), outputs: p.outputs, shadow: p.shadow };
}

// a served model's requests share one column list: its JSON is made once, not per record
let lastNames: string[] = [];
let lastJson = '[]';
function namesJson(columns: { name: string }[]): string {
  let same = columns.length === lastNames.length;
  for (let c = 0; same && c < columns.length; c++) same = columns[c].name === lastNames[c];
  if (!same) {
    lastNames = columns.map((c) => c.name);
    lastJson = JSON.stringify(lastNames);
  }
  return lastJson;
}
