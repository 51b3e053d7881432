import type { Command } from 'commander';
import { FOLD_JOB, foldJobHandler } from '../../automl/remote.ts';
import { startWorker } from '../../queue/index.ts';
import { parseIntOption } from '../common.ts';
import { stopSignal } from '../serving.ts';

interface WorkerOptions {
  redis: string;
  queue: string;
  concurrency: string;
}

export function workerCommand(program: Command): void {
  program
    .command('worker')
    .description('run distributed work (AutoML trials) from a Redis queue until stopped with SIGINT/SIGTERM')
    .requiredOption('--redis <url>', 'the Redis server, e.g. redis://127.0.0.1:6379')
    .option('--queue <name>', 'the queue to take jobs from', 'capstan')
    .option('--concurrency <n>', 'jobs at a time (each fit runs in a thread of its own)', '1')
    .action(async (o: WorkerOptions) => {
      const concurrency = parseIntOption('--concurrency', o.concurrency, 1, 64);
      const folds = Array.from({ length: concurrency }, () => foldJobHandler());
      const free = [...folds];
      const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      const worker = await startWorker(
        o.redis,
        o.queue,
        {
          // each running job holds one fit thread; BullMQ never runs more than `concurrency` at once
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
    });
}
