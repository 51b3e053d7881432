import type { Command } from 'commander';
import { AUTOML_TASKS, listeningWorkers, METRICS } from '../../automl/index.ts';
import { checkQueueName, checkRedisUrl, openWorkQueue } from '../../queue/index.ts';
import { invalid } from '../../core/errors.ts';
import { LEARNERS } from '../../learn/index.ts';
import { outputsOf, parseIntOption, runStages, stores } from '../common.ts';
import { Output } from '../output.ts';

interface AutomlOptions {
  target?: string;
  task: string;
  metric?: string;
  budget: string;
  cv: string;
  cvRepeats?: string;
  seed: string;
  trials?: string;
  learners?: string;
  onnxOnly?: boolean;
  register?: string;
  redis?: string;
  queue: string;
  json?: boolean;
  verbose?: boolean;
}

export function automlCommand(program: Command): void {
  program
    .command('automl')
    .description('search learners and hyperparameters within a time budget; a tracked leaderboard, the winner refit on all rows')
    .argument('<file>', 'CSV, Parquet or JSON lines file')
    .option('--target <col>', 'the column to predict (with --task clustering: a column to leave out)')
    .option('--task <task>', `one of ${AUTOML_TASKS.join(', ')}`, 'auto')
    .option('--metric <name>', `what to optimise (${Object.keys(METRICS).join(', ')}); default roc_auc / accuracy / r2`)
    .option('--budget <seconds>', 'wall-clock budget for the whole command', '60')
    .option('--cv <k>', 'cross-validation folds (the same folds for every candidate)', '5')
    .option('--cv-repeats <n>', 'repeat the folds with fresh shuffles, every row tested n times (default: 3 up to 2000 rows, else 1)')
    .option('--seed <n>', 'random seed', '0')
    .option('--trials <n>', 'stop after this many candidates instead of by time (the leaderboard then depends on the seed alone)')
    .option('--learners <list>', `comma-separated subset of ${Object.keys(LEARNERS).filter((l) => l !== 'kmeans').join(',')}`)
    .option('--onnx-only', 'search only learners whose models export to ONNX (capstan deploy --target onnx), ensembles of them included')
    .option('--register <name>', 'register the winner (with its preprocessing) under this name')
    .option('--redis <url>', 'fan candidates out to capstan worker processes listening on this Redis (redis://HOST:6379)')
    .option('--queue <name>', 'the workers\' queue (with --redis)', 'capstan')
    .option('--json', 'print one JSON document and nothing else')
    .option('--verbose', 'a line for every candidate, pruned ones included')
    .action(async (file: string, o: AutomlOptions) => {
      const learners = o.learners?.split(',').map((s) => s.trim());
      for (const l of learners ?? []) if (!LEARNERS[l] || l === 'kmeans') throw invalid(`--learners: unknown learner "${l}" (known: ${Object.keys(LEARNERS).join(', ')})`);
      if (!(AUTOML_TASKS as readonly string[]).includes(o.task)) throw invalid(`--task must be one of ${AUTOML_TASKS.join(', ')}, got "${o.task}"`);
      if (o.metric !== undefined && !METRICS[o.metric]) throw invalid(`--metric must be one of ${Object.keys(METRICS).join(', ')}, got "${o.metric}"`);
      if (o.redis !== undefined) checkRedisUrl(o.redis);
      checkQueueName(o.queue);
      // no worker (or no Redis) is found out before anything is recorded
      if (o.redis !== undefined) {
        const queue = await openWorkQueue(o.redis, o.queue);
        try {
          await listeningWorkers(queue, o.queue);
        } finally {
          await queue.close();
        }
      }
      const budget = parseIntOption('--budget', o.budget, 1, 7 * 24 * 3600);
      const out = new Output(Boolean(o.json));
      // load (the dataset version) -> automl (candidates as child runs of its run, the winner refit) -> register
      const { PipelineBuilder, components } = await import('../../pipeline/index.ts');
      const b = new PipelineBuilder('automl');
      const load = b.step('load', components.load, { path: file, role: 'training' });
      const search = b.step('automl', components.automl, {
        data: load.outputs.data,
        ...(o.target !== undefined ? { target: o.target } : {}),
        task: o.task,
        ...(o.metric !== undefined ? { metric: o.metric } : {}),
        budget,
        cv: parseIntOption('--cv', o.cv, 2, 20),
        ...(o.cvRepeats !== undefined ? { cvRepeats: parseIntOption('--cv-repeats', o.cvRepeats, 1, 10) } : {}),
        seed: parseIntOption('--seed', o.seed, 0, 2 ** 31 - 1),
        ...(o.trials !== undefined ? { trials: parseIntOption('--trials', o.trials, 1, 100_000) } : {}),
        ...(learners ? { learners } : {}),
        ...(o.onnxOnly ? { onnxOnly: true } : {}),
        ...(o.redis !== undefined ? { redis: o.redis } : {}),
        queue: o.queue,
        dataset: load.outputs.dataset,
      });
      if (o.register) b.step('register', components.register, { model: search.outputs.model, name: o.register });
      const s = await stores();
      try {
        // every candidate is in the step's log; pruned ones are printed with --verbose
        const pruned = /^\s+\S+\s+pruned\s/;
        const result = await runStages(s, out, b.toSpec(), {
          experiment: 'automl',
          titles: { load: 'load data', automl: `search learners and hyperparameters (budget ${budget} s)`, register: 'register the winner' },
          show: (line) => o.verbose || !pruned.test(line),
        });
        const report = outputsOf(result, 'automl', components.automl).report as Record<string, unknown>;
        const registered = o.register ? outputsOf(result, 'register', components.register) : null;
        const version = registered ? await s.metadata.models.getVersion(o.register!, registered.version) : null;
        out.document({
          ...report,
          model: version ? { name: version.name, version: version.version, uri: `models:/${version.name}/${version.version}`, path: s.artifacts.locate(version.source) } : null,
          pipeline_run_id: result.runId,
        });
        out.line(`\npipeline run ${result.runId}${version ? `; registered ${version.name} version ${version.version}` : ''}`);
      } finally {
        await s.metadata.close();
      }
    });
}
