import type { Command } from 'commander';
import { invalid } from '../../core/errors.ts';
import type { Task } from '../../core/schema.ts';
import { checkTrainSpec, LEARNERS, primaryMetric, type TabularModel } from '../../learn/index.ts';
import { trainingPipeline, type CvResult } from '../../pipeline/builtin/training.ts';
import type { CvScheme } from '../../data/index.ts';
import type { ModelVersion } from '../../store/index.ts';
import { localPrincipal, parseIntOption, parseParams, stores, trackedPipeline } from '../common.ts';
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
      const scheme: CvScheme = o.group ? { kind: 'group', column: o.group } : o.time ? { kind: 'time', column: o.time } : { kind: 'kfold' };
      const threads = parseIntOption('--threads', o.threads, 1, 64);
      const spec = { learner: o.learner, params: parseParams(o.param), seed, threads };
      checkTrainSpec(spec);
      const out = new Output(Boolean(o.json));
      const s = await stores();
      try {
        const pipeline = trainingPipeline(s, { file, target: o.target, task: o.task as Task | 'auto', spec, evaluation: { kind: 'cv', folds, scheme }, register: o.register ? { name: o.register } : undefined, actor: localPrincipal() });
        const { runId, result } = await trackedPipeline(s, out, 'train', pipeline);
        const model = result.outputs.get('train')!.model as TabularModel;
        const cv = (result.outputs.get('cross-validate')?.cv as CvResult | undefined) ?? null;
        const version = result.outputs.get('register')?.version as ModelVersion | undefined;
        const fitSeconds = result.outputs.get('train')!.fitSeconds as number;
        out.document({
          task: model.target.task,
          target: o.target,
          metric: primaryMetric(model.target.task),
          cv,
          leaderboard: [{ learner: o.learner, params: model.learner.params, cv_mean: cv?.mean ?? null, cv_std: cv?.std ?? null, fit_seconds: fitSeconds }],
          model: version ? { name: version.name, version: version.version, uri: `models:/${version.name}/${version.version}`, path: s.artifacts.locate(version.source) } : null,
          fit_seconds: fitSeconds,
          run_id: runId,
        });
        out.line(`\nrun ${runId}${version ? `; registered ${version.name} version ${version.version}` : ''}`);
      } finally {
        await s.metadata.close();
      }
    });
}
