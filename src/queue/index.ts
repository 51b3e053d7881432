export { JobRejected, type JobContext, type JobHandler, type RunningWorker, type WorkerEvents, type WorkQueue } from './work-queue.ts';
export { checkQueueName, checkRedisUrl, openWorkQueue, startWorker } from './bullmq.ts';
