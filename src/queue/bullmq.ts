import { Queue, QueueEvents, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { CapstanError } from '../core/errors.ts';
import { checkQueueName, checkRedisUrl } from './checks.ts';
import { JobRejected, type JobHandler, type RunningWorker, type WorkerEvents, type WorkQueue } from './work-queue.ts';

// A dead worker's job is recovered within LOCK_MS + STALLED_MS; the live worker renews its lock every LOCK_MS / 2,
// which it can because handlers keep heavy work off the event loop.
const LOCK_MS = 4_000;
const STALLED_MS = 2_000;
const KEEP_SECONDS = 3_600;
/** How often a caller waiting on a job looks at it directly (see `run`). */
const WATCH_MS = 2_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

async function connect(url: string): Promise<Redis> {
  checkRedisUrl(url);
  // BullMQ needs maxRetriesPerRequest null (blocking commands); a first connection that fails is an error, not a wait
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true, connectTimeout: 3_000 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    throw new CapstanError('UNAVAILABLE', `cannot reach Redis at ${url}: ${(e as Error).message}`);
  }
  redis.on('error', () => undefined);
  return redis;
}

const blobKey = (queue: string, key: string) => `capstan:${queue}:blob:${key}`;

export async function openWorkQueue(url: string, name = 'capstan'): Promise<WorkQueue> {
  checkQueueName(name);
  const redis = await connect(url);
  const queue = new Queue(name, { connection: redis, prefix: 'capstan' });
  const events = new QueueEvents(name, { connection: redis.duplicate(), prefix: 'capstan' });
  events.on('error', () => undefined);
  await events.waitUntilReady();
  return {
    async run<R>(kind: string, id: string, data: unknown, timeoutMs: number): Promise<R> {
      const add = () => queue.add(kind, data, { jobId: id, attempts: 2, removeOnComplete: { age: KEEP_SECONDS }, removeOnFail: { age: KEEP_SECONDS } });
      const job = await add();
      let settled = false;
      // the events stream answers at once; a Redis that restarted without its data has lost the job and its events, so the
      // job is also looked at every few seconds: answered from its state, or added again when it is gone
      const watch = async (): Promise<R> => {
        for (;;) {
          await sleep(WATCH_MS);
          if (settled) return new Promise<R>(() => undefined);
          const seen = await queue.getJob(id);
          if (!seen) {
            await add();
            continue;
          }
          const state = await seen.getState();
          if (state === 'completed') return seen.returnvalue as R;
          if (state === 'failed' && seen.attemptsMade >= (seen.opts.attempts ?? 1)) throw new JobRejected(seen.failedReason);
        }
      };
      try {
        return await Promise.race([job.waitUntilFinished(events, timeoutMs) as Promise<R>, watch()]);
      } catch (e) {
        const message = (e as Error).message;
        if (/timed out/i.test(message)) throw new CapstanError('UNAVAILABLE', `no worker finished job ${id} within ${Math.round(timeoutMs / 1000)} s`);
        throw e instanceof JobRejected ? e : new JobRejected(message);
      } finally {
        settled = true;
      }
    },
    workers: () => queue.getWorkersCount(),
    async putBlob(key, bytes, ttlSeconds) {
      await redis.set(blobKey(name, key), bytes, 'EX', Math.max(1, Math.ceil(ttlSeconds)));
    },
    async deleteBlob(key) {
      await redis.del(blobKey(name, key));
    },
    async close() {
      await events.close();
      await queue.close();
      redis.disconnect();
    },
  };
}

/** Run jobs of the given kinds from the queue until closed; `concurrency` jobs at a time. */
export async function startWorker(url: string, name: string, handlers: Record<string, JobHandler>, opts: { concurrency?: number; events?: WorkerEvents } = {}): Promise<RunningWorker> {
  checkQueueName(name);
  const redis = await connect(url);
  const blobs = redis.duplicate();
  blobs.on('error', () => undefined);
  const ev = opts.events ?? {};
  const worker = new Worker(
    name,
    async (job: Job) => {
      const handler = handlers[job.name];
      if (!handler) throw new UnrecoverableError(`this worker does not run jobs of kind "${job.name}"`);
      ev.started?.(job.name, job.id ?? '', job.attemptsMade);
      try {
        const result = await handler(job.data, {
          id: job.id ?? '',
          attemptsMade: job.attemptsMade,
          async getBlob(key) {
            const b = await blobs.getBuffer(blobKey(name, key));
            if (!b) throw new UnrecoverableError(`the data of job ${job.id} (${key}) is gone: it expired or its search ended`);
            return b;
          },
        });
        ev.finished?.(job.name, job.id ?? '', true);
        return result;
      } catch (e) {
        ev.finished?.(job.name, job.id ?? '', false, (e as Error).message);
        if (e instanceof JobRejected) throw new UnrecoverableError(e.message);
        throw e;
      }
    },
    { connection: redis, prefix: 'capstan', concurrency: opts.concurrency ?? 1, lockDuration: LOCK_MS, stalledInterval: STALLED_MS, maxStalledCount: 3 },
  );
  worker.on('error', () => undefined);
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      blobs.disconnect();
      redis.disconnect();
    },
  };
}
