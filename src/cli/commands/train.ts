import type { Command } from 'commander';
import { invalid } from '../../core/errors.ts';
import type { Task } from '../../core/schema.ts';
import { checkTrainSpec, LEARNERS, primaryMetric } from '../../learn/index.ts';
import { outputsOf, parseIntOption, parseParams, runStages, stores } from '../common.ts';
import { Output } from '../output.ts';

const TASKS = ['auto', 'binary', 'multiclass', 'regression'];

export function trainCommand(program: Command): void {
  program
    .command('train')
    .description('train a model on a CSV file: K-fold scores, then a fit on all rows')
    .argument('<file>', 'CSV file with a header row')
    .requiredOption('--target <col>', 'the column to predict')
    .option('--task <task>', `one of ${TASKS.join(', ')}`, 'auto')
    .option('--learner <name>', `one of ${Object.keys(LEARNERS).join(', ')}`, 'gbdt')
    .option('--param <name=value>', 'learner parameter, scikit-learn names (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--cv <k>', 'folds for cross-validation (0 = none)', '5')
    .option('--seed <n>', 'random seed', '0')
    .option('--group <col>', 'cross-validate by whole groups of this column (group k-fold); the column is not a feature')
    .option('--time <col>', 'cross-validate in time order of this column (expanding window: train on the past, test on the next block)')
    .option('--threads <n>', 'worker threads for learners that use them', '1')
    .option('--register <name>', 'register the fitted model under this name')
    .option('--json', 'print one JSON document')
    .action(async (file: string, o: { target: string; task: string; learner: string; param: string[]; cv: string; seed: string; threads: string; group?: string; time?: string; register?: string; json?: boolean }) => {
      if (!TASKS.includes(o.task)) throw invalid(`--task must be one of ${TASKS.join(', ')}, got "${o.task}"`);
      const folds = parseIntOption('--cv', o.cv, 0, 100);
      if (folds === 1) throw invalid('--cv must be 0 (no cross-validation) or at least 2');
      const seed = parseIntOption('--seed', o.seed, 0, 2 ** 31 - 1);
      if (o.group && o.time) throw invalid('--group and --time are alternatives: give one');
      if ((o.group || o.time) && folds < 2) throw invalid(`--${o.group ? 'group' : 'time'} needs --cv of at least 2`);
      const threads = parseIntOption('--threads', o.threads, 1, 64);
      const spec = { learner: o.learner, params: parseParams(o.param), seed, threads };
      checkTrainSpec(spec);
      const out = new Output(Boolean(o.json));
      const { PipelineBuilder, components } = await import('../../pipeline/index.ts');
      // load (the dataset version, its lineage) -> train (K-fold scores, then the fit on all rows) -> register
      const b = new PipelineBuilder('train');
      const load = b.step('load', components.load, { path: file, role: 'training' });
      const fit = b.step('train', components.train, {
        data: load.outputs.data,
        target: o.target,
        task: o.task,
        learner: spec.learner,
        params: spec.params,
        seed,
        threads,
        testFraction: 0,
        folds,
        ...(o.group ? { group: o.group } : {}),
        ...(o.time ? { time: o.time } : {}),
        dataset: load.outputs.dataset,
      });
      if (o.register) b.step('register', components.register, { model: fit.outputs.model, name: o.register });
      const s = await stores();
      try {
        const result = await runStages(s, out, b.toSpec(), { experiment: 'train', titles: { load: 'load data', train: folds > 0 ? `${folds}-fold cross-validation, then a fit of ${o.learner} on all rows` : `fit ${o.learner} on all rows`, register: 'register the model' } });
        const trained = outputsOf(result, 'train', components.train);
        const registered = o.register ? outputsOf(result, 'register', components.register) : null;
        const version = registered ? await s.metadata.models.getVersion(o.register!, registered.version) : null;
        const cv = trained.cv as { mean: number; std: number; folds: number[]; fitSeconds: number } | null;
        out.document({
          task: trained.task,
          target: o.target,
          metric: primaryMetric(trained.task as Task),
          cv,
          leaderboard: [{ learner: o.learner, params: trained.params, cv_mean: cv?.mean ?? null, cv_std: cv?.std ?? null, fit_seconds: trained.fitSeconds }],
          model: version ? { name: version.name, version: version.version, uri: `models:/${version.name}/${version.version}`, path: s.artifacts.locate(version.source) } : null,
          fit_seconds: trained.fitSeconds,
          run_id: result.runId,
        });
        out.line(`\nrun ${result.runId}${version ? `; registered ${version.name} version ${version.version}` : ''}`);
      } finally {
        await s.metadata.close();
      }
    });
}
