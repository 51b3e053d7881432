import type { PredictionStore, RetentionRule } from '../store/index.ts';

/** One bounded retention step (PredictionStore.prune, or the serving log's, which runs on the log's own connection). */
export type Prune = PredictionStore['prune'];

export interface RetentionOptions {
  /** how often the rules are applied (default every minute) */
  intervalMs?: number;
  /** stored batches deleted per step (one short transaction each) */
  step?: number;
  onError?: (message: string) => void;
}

/**
 * Apply the prediction log's retention rules in the background: every interval, each rule is pruned a bounded step at a time,
 * with a pause between steps, so serving writes never wait behind a long delete. The first pass starts at once.
 * @example
 * const retention = startRetention((rule, o) => hooks.log!.prune(rule, o), [{ maxAgeMs: 30 * 86_400_000 }]);
 * await retention.stop();
 */
export function startRetention(prune: Prune | null, rules: RetentionRule[], opts: RetentionOptions = {}): { stop: () => Promise<void>; deleted: () => number } {
  let stopped = false;
  let deleted = 0;
  let timer: NodeJS.Timeout | null = null;
  const pause = () => new Promise<void>((r) => setTimeout(r, 20).unref());
  const pass = async () => {
    for (const rule of rules) {
      for (;;) {
        if (stopped) return;
        const n = await prune!(rule, { limit: opts.step ?? 200 });
        deleted += n;
        if (n === 0) break;
        await pause();
      }
    }
  };
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = pass()
      .catch((e: Error) => opts.onError?.(`prediction log retention failed: ${e.message}`))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, opts.intervalMs ?? 60_000).unref();
      });
  };
  if (prune && rules.length) tick();
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
    deleted: () => deleted,
  };
}
