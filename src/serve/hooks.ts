import { openPredictionWriter, type PredictionStore } from '../store/index.ts';
import { ServingMetrics, type MetricsSnapshot } from './metrics.ts';
import { PredictionLog, storeSink, type PredictionLogOptions } from './prediction-log.ts';

/** What every answered prediction feeds: the metrics, the prediction log (when there is a store), and how /metrics adds up. */
export interface ServingHooks {
  metrics: ServingMetrics;
  log: PredictionLog | null;
  /** every serving process's snapshot (one process: just this one's) */
  collect: () => Promise<MetricsSnapshot[]>;
  close(): Promise<void>;
}

/**
 * Metrics for this process and, with a store, a prediction log writing to it: given as a URI, through a connection of the
 * log's own (the server's choice; `checkpoints: false` for all serving processes of a store but one, see openPredictionWriter);
 * given as a store object, through it.
 */
export function createServingHooks(store: PredictionStore | string | null, opts: PredictionLogOptions & { collect?: () => Promise<MetricsSnapshot[]>; checkpoints?: boolean } = {}): ServingHooks {
  const log = store === null ? null : new PredictionLog(typeof store === 'string' ? openPredictionWriter(store, { checkpoints: opts.checkpoints }) : storeSink(store), opts);
  const metrics = new ServingMetrics(() => ({ logged: log?.logged ?? 0, dropped: log?.dropped ?? 0, failed: log?.failed ?? 0, queued: log?.queued ?? 0 }));
  return { metrics, log, collect: opts.collect ?? (async () => [metrics.snapshot()]), close: async () => log?.close() };
}
