import { siblingModule, startService, type ThreadService } from '../threads/pool.ts';
import { encodeProblem, type Evaluator, type FoldJob, type FoldResult, type Problem } from './evaluate.ts';
import type { FoldCall, FoldReply } from './fold-thread.ts';

/** A fold thread (fold-thread.ts): it fits folds of the problems it holds decoded, by key. */
export type FoldThread = ThreadService<FoldCall, FoldReply>;

export function startFoldThread(): FoldThread {
  return startService<FoldCall, FoldReply>(siblingModule(import.meta.url, './fold-thread'));
}

/** Fit one fold on a fold thread, sending the encoded problem only when the thread does not hold it (its first fit, or restarted). */
export async function fitOnFoldThread(thread: FoldThread, key: string, job: FoldJob, bytes: () => Uint8Array | Promise<Uint8Array>): Promise<FoldResult> {
  let reply = await thread.call({ key, job });
  if ('missing' in reply) reply = await thread.call({ key, job, bytes: await bytes() });
  if ('missing' in reply) throw new Error('the fold thread lost its data');
  return reply.result;
}

/**
 * Fold fits on `threads` worker threads of this process, one slot each: the problem is encoded once and decoded once per
 * thread; a fit goes to whichever thread is free (the search may hand over more fits than there are threads: they wait).
 * A thread that dies fails the fit it had and is restarted, with the problem sent again, on its next fit.
 */
export function threadEvaluator(p: Problem, threads: number): Evaluator & { close(): Promise<void> } {
  const bytes = encodeProblem(p);
  const key = 'search';
  const services = Array.from({ length: threads }, startFoldThread);
  const free = [...services];
  const waiting: ((s: FoldThread) => void)[] = [];
  const acquire = () => new Promise<FoldThread>((resolve) => (free.length ? resolve(free.pop()!) : waiting.push(resolve)));
  const release = (s: FoldThread) => (waiting.length ? waiting.shift()!(s) : free.push(s));
  return {
    slots: threads,
    async evaluate(job) {
      const s = await acquire();
      try {
        return await fitOnFoldThread(s, key, job, () => bytes);
      } finally {
        release(s);
      }
    },
    close: async () => {
      await Promise.all(services.map((s) => s.close()));
    },
  };
}
