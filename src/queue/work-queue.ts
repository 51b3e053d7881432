/**
 * A queue of jobs that workers on any machine run: the one seam between Capstan's distributed work (AutoML trials, later
 * pipeline steps) and its driver (BullMQ on Redis, `src/queue/bullmq.ts`).
 *
 * Guarantees: delivery is at least once. A job whose worker dies (killed, machine lost) goes back to the queue once its
 * lock lapses (a few seconds) and runs again on a live worker; the submitter receives exactly one result per job id, so
 * whatever it records from results is recorded once. Adding a job whose id is already queued or running does not add a
 * second copy. A handler that throws `JobRejected` fails the job for good (the input is at fault, a retry would fail
 * the same way); any other error is retried up to the job's attempts.
 *
 * Not guaranteed: ordering between jobs; that a handler runs only once (handlers must be free of side effects outside
 * their result, or idempotent); results after `ttlSeconds` of the blob store.
 *
 * @example
 * const q = await openWorkQueue('redis://127.0.0.1:6379', 'capstan');
 * const sum = await q.run<number>('add', 'job-1', { a: 1, b: 2 }, 60_000);
 */
export interface WorkQueue {
  /** Add a job (idempotent per id) and wait for its result; rejects when it fails for good or `timeoutMs` passes. */
  run<R>(kind: string, id: string, data: unknown, timeoutMs: number): Promise<R>;
  /** How many workers listen now. */
  workers(): Promise<number>;
  /** Store bytes jobs refer to by key (a dataset shipped once, not per job); they expire after `ttlSeconds`. */
  putBlob(key: string, bytes: Buffer, ttlSeconds: number): Promise<void>;
  deleteBlob(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface JobContext {
  id: string;
  /** how many times this job was started before (0 on its first run; more after a worker died under it) */
  attemptsMade: number;
  getBlob(key: string): Promise<Buffer>;
}

export type JobHandler = (data: unknown, ctx: JobContext) => Promise<unknown>;

export interface WorkerEvents {
  started?(kind: string, id: string, attempt: number): void;
  finished?(kind: string, id: string, ok: boolean, detail?: string): void;
}

export interface RunningWorker {
  /** Stop taking jobs, let the current ones finish, disconnect. */
  close(): Promise<void>;
}

/** The handler's verdict that a job cannot succeed: no retry. */
export class JobRejected extends Error {}
