import type { JobHandler, RunningWorker, WorkerEvents, WorkQueue } from './work-queue.ts';

export { JobRejected, type JobContext, type JobHandler, type RunningWorker, type WorkerEvents, type WorkQueue } from './work-queue.ts';
export { checkQueueName, checkRedisUrl } from './checks.ts';

// the driver (bullmq, ioredis: ~0.3 s to import) loads only when a command uses a queue, not on every start of the CLI

/** Open the queue `name` on the Redis at `url` (see WorkQueue for what it guarantees). */
export async function openWorkQueue(url: string, name?: string): Promise<WorkQueue> {
  return (await import('./bullmq.ts')).openWorkQueue(url, name);
}

/** Run jobs of the given kinds from the queue until closed. */
export async function startWorker(url: string, name: string, handlers: Record<string, JobHandler>, opts?: { concurrency?: number; events?: WorkerEvents }): Promise<RunningWorker> {
  return (await import('./bullmq.ts')).startWorker(url, name, handlers, opts);
}
