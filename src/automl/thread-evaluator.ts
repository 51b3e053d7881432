import { siblingModule, startService, type ThreadService } from '../threads/pool.ts';
import { encodeProblem, type Evaluator, type FoldJob, type FoldResult, type Problem } from './evaluate.ts';
import type { FoldCall, FoldReply } from './fold-thread.ts';

/**
 * Fold fits on `threads` worker threads of this process, one slot each: the problem is encoded once and decoded once per
 * thread; a fit goes to whichever thread is free (the search may hand over more fits than there are threads: they wait).
 * A thread that dies fails the fit it had and is restarted, with the problem sent again, on its next fit.
 */
export function threadEvaluator(p: Problem, threads: number): Evaluator & { close(): Promise<void> } {
  const bytes = encodeProblem(p);
  const key = 'search';
  const services: ThreadService<FoldCall, FoldReply>[] = Array.from({ length: threads }, () => startService<FoldCall, FoldReply>(siblingModule(import.meta.url, './fold-thread')));
  const free = [...services];
  const waiting: ((s: ThreadService<FoldCall, FoldReply>) => void)[] = [];
  const acquire = () => new Promise<ThreadService<FoldCall, FoldReply>>((resolve) => (free.length ? resolve(free.pop()!) : waiting.push(resolve)));
  const release = (s: ThreadService<FoldCall, FoldReply>) => (waiting.length ? waiting.shift()!(s) : free.push(s));
  const fit = async (s: ThreadService<FoldCall, FoldReply>, job: FoldJob): Promise<FoldResult> => {
    let reply = await s.call({ key, job });
    if ('missing' in reply) reply = await s.call({ key, job, bytes });
    if ('missing' in reply) throw new Error('the fold thread lost its data');
    return reply.result;
  };
  return {
    slots: threads,
    async evaluate(job) {
      const s = await acquire();
      try {
        return await fit(s, job);
      } finally {
        release(s);
      }
    },
    close: async () => {
      await Promise.all(services.map((s) => s.close()));
    },
  };
}
