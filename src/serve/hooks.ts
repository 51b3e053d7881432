import { MonitorRecorder } from '../monitor/index.ts';
import { openPredictionWriter, type MetadataStore } from '../store/index.ts';
import { ServingMetrics, type MetricsSnapshot } from './metrics.ts';
import { PredictionLog, storeSink, type PredictionLogOptions } from './prediction-log.ts';

/**
 * What every answered prediction feeds: the metrics, the monitoring windows, the prediction log (when there is a store), and
 * how /metrics adds up.
 */
export interface ServingHooks {
  metrics: ServingMetrics;
  /** counts every answer into its version's windows; writes them when there is a store (otherwise this process's view only) */
  monitor: MonitorRecorder;
  log: PredictionLog | null;
  /** every serving process's snapshot (one process: just this one's) */
  collect: () => Promise<MetricsSnapshot[]>;
  close(): Promise<void>;
}

/**
 * Metrics for this process and, with a store, a prediction log and monitoring windows written to it: given as a URI, through
 * a connection of the log's own (the server's choice; `checkpoints: false` for all serving processes of a store but one, see
 * openPredictionWriter); given as a store object, through it.
 */
export function createServingHooks(store: MetadataStore | string | null, opts: PredictionLogOptions & { collect?: () => Promise<MetricsSnapshot[]>; checkpoints?: boolean; monitorIntervalMs?: number; monitor?: boolean } = {}): ServingHooks {
  const sink = store === null ? null : typeof store === 'string' ? openPredictionWriter(store, { checkpoints: opts.checkpoints }) : storeSink(store.predictions, store.monitor);
  const log = sink === null ? null : new PredictionLog(sink, opts);
  const monitor = new MonitorRecorder(sink, { intervalMs: opts.monitorIntervalMs, onError: opts.onError, enabled: opts.monitor !== false });
  const metrics = new ServingMetrics(() => ({ logged: log?.logged ?? 0, dropped: log?.dropped ?? 0, failed: log?.failed ?? 0, queued: log?.queued ?? 0 }));
  return {
    metrics,
    monitor,
    log,
    collect: opts.collect ?? (async () => [metrics.snapshot()]),
    close: async () => {
      // the windows first: the log's close closes the connection both write through
      await monitor.close();
      await log?.close();
    },
  };
}
