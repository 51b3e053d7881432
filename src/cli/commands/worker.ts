import type { Command } from 'commander';
import { FOLD_JOB, foldJobHandler } from '../../automl/remote.ts';
import { startWorker } from '../../queue/index.ts';
import { localPrincipal, parseIntOption, stores } from '../common.ts';
import type { Stores } from '../../store/index.ts';
import { stopSignal } from '../serving.ts';

interface WorkerOptions {
  redis: string;
  queue: string;
  concurrency: string;
}

export function workerCommand(program: Command): void {
  program
    .command('worker')
    .description('run distributed work (AutoML trials, pipeline steps) from a Redis queue until stopped with SIGINT/SIGTERM')
    .requiredOption('--redis <url>', 'the Redis server, e.g. redis://127.0.0.1:6379')
    .option('--queue <name>', 'the queue to take jobs from', 'capstan')
    .option('--concurrency <n>', 'jobs at a time (each fit runs in a thread of its own)', '1')
    .action(async (o: WorkerOptions) => {
      const concurrency = parseIntOption('--concurrency', o.concurrency, 1, 64);
      const folds = Array.from({ length: concurrency }, () => foldJobHandler());
      const free = [...folds];
      const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      // the stores open with the first pipeline step (AutoML trials need none)
      const shared: { stores: Promise<Stores> | null } = { stores: null };
      const worker = await startWorker(
        o.redis,
        o.queue,
        {
          // each running job holds one fit thread; BullMQ never runs more than `concurrency` at once
          // a step of a pipeline run on workers: against this worker's stores (the shared PostgreSQL and S3 of the run)
          'pipeline-step': async (data) => {
            const { compileOrThrow, runWorkflowStep } = await import('../../pipeline/index.ts');
            const job = data as { spec: Parameters<typeof compileOrThrow>[0]; workflowId: string; step: string; baseDir: string; actor: string };
            shared.stores ??= stores();
            return runWorkflowStep(compileOrThrow(job.spec, undefined, 'spec'), { stores: await shared.stores, actor: { ...localPrincipal(), name: job.actor }, params: {}, baseDir: job.baseDir }, job.workflowId, job.step);
          },
          [FOLD_JOB]: async (data, ctx) => {
            const f = free.pop()!;
            try {
              return await f.handler(data, ctx);
            } finally {
              free.push(f);
            }
          },
        },
        {
          concurrency,
          events: {
            started: (kind, id, attempt) => log(`started ${kind} ${id}${attempt > 0 ? ` (attempt ${attempt + 1})` : ''}`),
            finished: (kind, id, ok, detail) => log(`${ok ? 'finished' : 'failed'} ${kind} ${id}${detail ? `: ${detail}` : ''}`),
          },
        },
      );
      log(`worker ${process.pid} listening on queue "${o.queue}" at ${o.redis} (${concurrency} at a time)`);
      await stopSignal();
      log('stopping: finishing the jobs in hand');
      await worker.close();
      await Promise.all(folds.map((f) => f.close()));
      if (shared.stores) await (await shared.stores).metadata.close();
    });
}
