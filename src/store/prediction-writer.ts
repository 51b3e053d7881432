import type { MonitorStore, PredictionStore } from './metadata-store.ts';
import { openMetadataStore } from './open.ts';
import type { PredictionBatch } from './sql/prediction-batch.ts';
import type { SqlMetadataStore } from './sql/store.ts';

/**
 * Where a serving process's prediction log writes: batches of one model's records (PredictionBatch: the row text built as
 * requests are answered), retention steps, and close. The store provides it (openPredictionWriter), so serving needs no
 * adapter: what is written how, with which retries and checkpoints, stays here.
 */
export interface PredictionWriter {
  /** the batch is the writer's only until the returned promise settles (its buffer then goes to a later batch) */
  write(batch: PredictionBatch): Promise<void>;
  /** one bounded retention step, through the same connection as the writes (see PredictionStore.prune) */
  prune: PredictionStore['prune'];
  /** monitoring windows, through the same connection (see MonitorStore) */
  addWindows: MonitorStore['addWindows'];
  compact: MonitorStore['compact'];
  close(): Promise<void>;
}

/** Retries of a write that found the database busy (a few ms apart: ~10 s in all, the store's usual busy timeout). */
const BUSY_RETRIES = 4_000;

/**
 * A writer with a connection of its own to the store at `uri` (SQLite or PostgreSQL), for a serving thread. A batch is one
 * row, a fraction of a millisecond, so it needs no thread: a writer thread per serving process cost more than the writes. On
 * SQLite the connection commits without waiting for the disk (WAL with synchronous=NORMAL: a crash of the process loses
 * nothing, a power cut may lose the last batches; the log is best-effort by design), a busy database fails a write at once
 * and it is retried a few ms later (SQLite's busy handler would sleep on the serving thread), and checkpoints run on a thread
 * of their own; `checkpoints: false` leaves them to another serving process writing to the same file.
 * @example
 * const writer = openPredictionWriter('sqlite:.capstan/capstan.db');
 */
export function openPredictionWriter(uri: string, { checkpoints = true }: { checkpoints?: boolean } = {}): PredictionWriter {
  let store: Promise<SqlMetadataStore> | null = null;
  let stopCheckpoints: { stop: () => Promise<void> } | null = null;
  const open = async () => {
    const s = await openMetadataStore(uri);
    stopCheckpoints = s.driver.forServingWrites?.({ checkpoints }) ?? null;
    return s;
  };
  // opened at once, so its migration check (which may wait for the database) happens before requests are served
  store = open();
  store.catch(() => undefined);
  /** `fn` on the writer's connection, again a few ms later while the database is busy (never a wait on this thread) */
  const whenFree = async <T>(fn: (s: SqlMetadataStore) => Promise<T>): Promise<T> => {
    store ??= open();
    const s = await store;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(s);
      } catch (e) {
        if ((e as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= BUSY_RETRIES) throw e;
        await new Promise((resolve) => setTimeout(resolve, 1 + (attempt % 4)));
      }
    }
  };
  return {
    write: (batch) => whenFree((s) => s.predictions.appendBatch(batch)),
    prune: (rule, opts) => whenFree((s) => s.predictions.prune(rule, opts)),
    addWindows: (rows) => whenFree((s) => s.monitor.addWindows(rows)),
    compact: (opts) => whenFree((s) => s.monitor.compact(opts)),
    close: async () => {
      const s = store;
      store = null;
      await stopCheckpoints?.stop();
      stopCheckpoints = null;
      await (await s?.catch(() => null))?.close();
    },
  };
}
