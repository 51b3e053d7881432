import { createHash } from 'node:crypto';
import { CapstanError } from '../core/errors.ts';
import { JobRejected, type JobHandler, type WorkQueue } from '../queue/index.ts';
import { encodeProblem, type Evaluator, type FoldJob, type FoldResult, type Problem } from './evaluate.ts';
import { fitOnFoldThread, startFoldThread } from './thread-evaluator.ts';

/** The job kind of one candidate on one fold. */
export const FOLD_JOB = 'automl.fold';

interface FoldJobData {
  /** the blob key of the encoded problem, shipped once per search */
  problem: string;
  job: FoldJob;
}

interface FoldJobResult {
  /** null when the metric is undefined on the fold (JSON has no NaN) */
  score: number | null;
  seconds: number;
  /** absent from workers of before it was recorded */
  predictSeconds?: number;
  /** the Float64Array's bytes, base64: exact and compact */
  predictions: string;
}

/**
 * Fold fits on `capstan worker` processes: one slot per listening worker. The problem goes to Redis once; each fold is a
 * job whose id is derived from the search, the candidate's learner and parameters and the fold, so a resubmission is the
 * same job and a retried one (its worker died) still yields one result.
 */
/** The workers listening on the queue; none is an error that says how to start one. */
export async function listeningWorkers(q: WorkQueue, queueName: string): Promise<number> {
  const workers = await q.workers();
  if (workers === 0) throw new CapstanError('UNAVAILABLE', `no capstan worker listens on queue "${queueName}": start one or more with capstan worker --redis URL${queueName === 'capstan' ? '' : ` --queue ${queueName}`}`);
  return workers;
}

export async function remoteEvaluator(q: WorkQueue, p: Problem, searchId: string, ttlSeconds: number, queueName: string): Promise<Evaluator & { workers: number; close(): Promise<void> }> {
  const workers = await listeningWorkers(q, queueName);
  await q.putBlob(searchId, encodeProblem(p), ttlSeconds);
  return {
    slots: workers,
    workers,
    async evaluate(job) {
      const digest = createHash('sha256').update(JSON.stringify([job.learner, job.params, job.fold])).digest('hex').slice(0, 20);
      // past its deadline a fit stops and answers; allow for queueing and a dead worker's recovery on top
      const timeoutMs = job.deadline !== undefined ? Math.max(0, job.deadline - Date.now()) + 60_000 : 6 * 3_600_000;
      const r = await q.run<FoldJobResult>(FOLD_JOB, `${searchId}-${digest}`, { problem: searchId, job } satisfies FoldJobData, timeoutMs);
      const bytes = Buffer.from(r.predictions, 'base64');
      return { score: r.score ?? NaN, seconds: r.seconds, predictSeconds: r.predictSeconds ?? 0, predictions: new Float64Array(new Uint8Array(bytes).buffer) } satisfies FoldResult;
    },
    close: () => q.deleteBlob(searchId),
  };
}

/** The worker side: fold fits run in a thread of their own, so the worker keeps renewing its job locks while it fits. */
export function foldJobHandler(): { handler: JobHandler; close(): Promise<void> } {
  const thread = startFoldThread();
  const handler: JobHandler = async (data, ctx) => {
    const d = data as FoldJobData;
    if (typeof d?.problem !== 'string' || typeof d.job?.learner !== 'string') throw new JobRejected('malformed automl.fold job');
    let r: FoldResult;
    try {
      r = await fitOnFoldThread(thread, d.problem, d.job, async () => new Uint8Array(await ctx.getBlob(d.problem)));
    } catch (e) {
      // the learner refused the candidate: retrying elsewhere would fail the same way
      if (e instanceof CapstanError && e.code === 'INVALID_ARGUMENT') throw new JobRejected(e.message);
      throw e;
    }
    return { score: Number.isFinite(r.score) ? r.score : null, seconds: r.seconds, predictSeconds: r.predictSeconds, predictions: Buffer.from(r.predictions.buffer, r.predictions.byteOffset, r.predictions.byteLength).toString('base64') } satisfies FoldJobResult;
  };
  return { handler, close: () => thread.close() };
}
