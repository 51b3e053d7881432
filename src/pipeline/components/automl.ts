import { invalid } from '../../core/errors.ts';
import { checkInteger } from '../../core/names.ts';
import type { DatasetVersion } from '../../store/index.ts';
import { component, fileLabel } from './component.ts';

/**
 * Search learners and hyperparameters within a budget (as `capstan automl`, which is a pipeline around this component): every
 * candidate a child run of the step's run, the winner (or an ensemble that beats it) refit on all rows and passed on as a
 * model, the run's document (leaderboard, insights, guardrails) as the report.
 */
export const automl = component({
  name: 'capstan/automl',
  version: '2',
  description: 'search learners and hyperparameters within a time budget; the winner refit on all rows',
  inputs: {
    data: { type: 'file', description: 'the data (with the target column)' },
    target: { type: 'string', description: 'the column to predict (clustering: a column to leave out)', optional: true },
    task: { type: 'string', description: 'auto, binary, multiclass, regression or clustering', default: 'auto' },
    metric: { type: 'string', description: 'what to optimise (default: ROC AUC, accuracy or R2 by task)', optional: true },
    budget: { type: 'number', description: 'wall-clock seconds for the search, the refit and the insights', default: 60 },
    cv: { type: 'number', description: 'cross-validation folds (the same folds for every candidate)', default: 5 },
    cvRepeats: { type: 'number', description: 'repeats of the folds with fresh shuffles (default: 3 up to 2000 rows, else 1)', optional: true },
    seed: { type: 'number', description: 'the random seed', default: 0 },
    trials: { type: 'number', description: 'stop after this many candidates instead of by time', optional: true },
    learners: { type: 'list', description: 'the learners to search (default: all)', optional: true },
    onnxOnly: { type: 'boolean', description: 'only learners whose models export to ONNX', default: false },
    redis: { type: 'string', description: 'fan candidates out to capstan workers on this Redis (redis://HOST:6379)', optional: true },
    queue: { type: 'string', description: "the workers' queue (with redis)", default: 'capstan' },
    dataset: { type: 'json', description: "the data's dataset version, for lineage (the load step's dataset output)", optional: true },
  },
  outputs: {
    model: { type: 'model', description: 'the winner, refit on all rows' },
    score: { type: 'number', description: "the winner's cross-validated score" },
    report: { type: 'json', description: 'leaderboard, ensemble, insights summary, guardrails (capstan automl --json)' },
  },
  summary: true,
  heavy: true,
  async run(i, ctx) {
    const [{ runAutoml }, { putBundle }] = await Promise.all([import('../../automl/index.ts'), import('../../registry/index.ts')]);
    checkInteger('budget', i.budget, 1, 7 * 24 * 3600);
    checkInteger('cv', i.cv, 2, 20);
    if (i.cvRepeats !== undefined) checkInteger('cvRepeats', i.cvRepeats, 1, 10);
    checkInteger('seed', i.seed, 0, 2 ** 31 - 1);
    if (i.trials !== undefined) checkInteger('trials', i.trials, 1, 100_000);
    const learners = i.learners?.map((l) => {
      if (typeof l !== 'string') throw invalid('learners must be a list of learner names');
      return l;
    });
    const ref = i.dataset as { name?: unknown; version?: unknown } | undefined;
    let dataset: DatasetVersion | null = null;
    if (ref !== undefined) {
      if (typeof ref !== 'object' || ref === null || typeof ref.name !== 'string' || typeof ref.version !== 'number') throw invalid('dataset must be a dataset version {name, version}');
      dataset = await ctx.stores.metadata.datasets.get(ref.name, ref.version);
    }
    const run = await ctx.stores.metadata.runs.get(ctx.runId);
    const prefix = `pipelines/${ctx.pipelineRunId}/${ctx.runId}/model`;
    let digest: string | null = null;
    const report = await runAutoml(
      await ctx.localPath(i.data),
      {
        ...(i.target !== undefined ? { target: i.target } : {}),
        task: i.task as 'auto',
        ...(i.metric !== undefined ? { metric: i.metric } : {}),
        budget: i.budget,
        cv: i.cv,
        ...(i.cvRepeats !== undefined ? { cvRepeats: i.cvRepeats } : {}),
        seed: i.seed,
        ...(i.trials !== undefined ? { trials: i.trials } : {}),
        ...(learners ? { learners } : {}),
        ...(i.onnxOnly ? { onnxOnly: true } : {}),
        ...(i.redis !== undefined ? { redis: i.redis } : {}),
        queue: i.queue,
      },
      {
        stores: ctx.stores,
        actor: ctx.actor.name,
        record: { run, dataset },
        fileName: fileLabel(i.data),
        say: ctx.log,
        saveModel: async (bundle) => {
          digest = await putBundle(ctx.stores.artifacts, prefix, bundle);
        },
      },
    );
    if (dataset) await ctx.stores.metadata.runs.linkDataset(ctx.runId, dataset.id, 'training');
    const cv = report.cv as { mean: number };
    return { model: { bundle: prefix, digest: digest! }, score: cv.mean, report };
  },
});
