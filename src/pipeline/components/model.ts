import { basename } from 'node:path';
import { invalid } from '../../core/errors.ts';
import type { Table } from '../../core/table.ts';
import type { Evaluation, TabularModel } from '../../learn/index.ts';
import { logMetrics, logParams } from '../../store/index.ts';
import { component, type ComponentContext, type FileRef } from './component.ts';

/* The learners, the data layer and the registry load when a step runs, not when a pipeline is linted or reused. */
const modules = async () => {
  const [data, learn, registry, stats, table] = await Promise.all([import('../../data/index.ts'), import('../../learn/index.ts'), import('../../registry/index.ts'), import('../../stats/index.ts'), import('../../core/table.ts')]);
  return { ...data, ...learn, ...registry, ...stats, ...table };
};
type Modules = Awaited<ReturnType<typeof modules>>;

async function readTable(m: Modules, ctx: ComponentContext, ref: FileRef): Promise<Table> {
  const loaded = await m.loadFile(await ctx.localPath(ref));
  try {
    return await m.tableOf(loaded);
  } finally {
    await loaded.drop();
  }
}

function score(m: Modules, model: TabularModel, table: Table, y: Float64Array): Evaluation {
  return m.evaluate(model.target.task, y, m.predictionOutput(m.predictTable(model, table)), model.target.classes?.length ?? 1);
}

const TASKS = ['auto', 'binary', 'multiclass', 'regression'] as const;

/** Fit a learner on a stratified train part of the data and score the held-out rest; the model keeps its training baseline. */
export const train = component({
  name: 'capstan/train',
  version: '1',
  description: 'fit a learner on a train/test split of a data file; the model is scored on the held-out rows',
  inputs: {
    data: { type: 'file', description: 'the training data (with the target column)' },
    target: { type: 'string', description: 'the target column' },
    task: { type: 'string', description: 'auto, binary, multiclass or regression', default: 'auto' },
    learner: { type: 'string', description: 'gbdt, forest, linear, ... (capstan train --help lists them)', default: 'gbdt' },
    params: { type: 'json', description: 'learner parameters (scikit-learn names)', default: {} },
    testFraction: { type: 'number', description: 'the held-out share of rows', default: 0.2 },
    seed: { type: 'number', description: 'split and learner seed', default: 0 },
  },
  outputs: {
    model: { type: 'model', description: 'the fitted model as a bundle' },
    metrics: { type: 'json', description: 'test metrics' },
    score: { type: 'number', description: 'the primary test metric (ROC AUC, accuracy or R2)' },
  },
  async run(i, ctx) {
    if (!(TASKS as readonly string[]).includes(i.task)) throw invalid(`task must be one of ${TASKS.join(', ')}`);
    if (typeof i.params !== 'object' || i.params === null || Array.isArray(i.params)) throw invalid('params must be an object of learner parameters');
    const m = await modules();
    const table = await readTable(m, ctx, i.data);
    const t = m.prepareTarget(table, i.target, i.task as (typeof TASKS)[number], 'data');
    const features = m.inferFeatures(t.features, 'data');
    const split = m.trainTestSplit(t.features.rows, { testFraction: i.testFraction, seed: i.seed, strata: t.spec.task === 'regression' ? undefined : t.y });
    const trainTable = m.takeRows(t.features, split.train);
    const spec = { learner: i.learner, params: i.params as Record<string, number | string>, seed: i.seed };
    const model = await m.trainModel(trainTable, m.takeValues(t.y, split.train), t.spec, features, spec);
    const evaluation = score(m, model, m.takeRows(t.features, split.test), m.takeValues(t.y, split.test));
    const metrics = Object.fromEntries(Object.entries(evaluation.metrics).map(([k, v]) => [`test_${k}`, v]));
    await logParams(ctx.stores.metadata.runs, ctx.runId, { learner: model.learner.name, target: i.target, seed: i.seed, ...Object.fromEntries(Object.entries(model.learner.params).map(([k, v]) => [`${model.learner.name}.${k}`, v])) });
    await logMetrics(ctx.stores.metadata.runs, ctx.runId, metrics);
    const bundle = m.encodeBundle(model, { metrics, baseline: m.buildBaseline(trainTable, model.features), lineage: { runId: ctx.pipelineRunId } });
    const prefix = `pipelines/${ctx.pipelineRunId}/${ctx.runId}/model`;
    const digest = await m.putBundle(ctx.stores.artifacts, prefix, bundle);
    const primary = `test_${m.primaryMetric(t.spec.task)}`;
    ctx.log(`${model.learner.name}: ${Object.entries(metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
    return { model: { bundle: prefix, digest }, metrics, score: metrics[primary] };
  },
});

/** Score a model on a data file; with `min`, a gate: `passed` says whether the metric reached it, `fail` stops the pipeline. */
export const evaluateModel = component({
  name: 'capstan/evaluate',
  version: '1',
  description: 'score a model on a data file; optionally a gate on a metric (min) that fails the run or lets a condition branch',
  inputs: {
    model: { type: 'model', description: 'the model' },
    data: { type: 'file', description: 'data with the target column' },
    metric: { type: 'string', description: 'the gated metric (default: ROC AUC, accuracy or R2 by task)', optional: true },
    min: { type: 'number', description: 'the least value that passes', optional: true },
    fail: { type: 'boolean', description: 'fail the step (and the run) below min instead of answering passed=false', default: false },
  },
  outputs: {
    metrics: { type: 'json', description: 'every metric' },
    score: { type: 'number', description: 'the gated metric' },
    passed: { type: 'boolean', description: 'whether the metric reached min (true without min)' },
  },
  async run(i, ctx) {
    const m = await modules();
    const { model } = await m.getBundle(ctx.stores.artifacts, i.model.bundle);
    if (!model) throw invalid('model: an imported ONNX model cannot be evaluated here');
    const table = await readTable(m, ctx, i.data);
    const t = m.prepareTarget(table, model.target.name, model.target.task, 'data');
    let y = t.y;
    if (model.target.classes) {
      // the data's classes in the model's order
      const index = new Map(model.target.classes.map((c, k) => [c, k]));
      y = Float64Array.from(t.y, (v) => {
        const k = index.get(t.spec.classes![v]);
        if (k === undefined) throw invalid(`data: class "${t.spec.classes![v]}" is not one the model knows (${model.target.classes!.join(', ')})`);
        return k;
      });
    }
    const evaluation = score(m, model, t.features, y);
    const name = i.metric ?? m.primaryMetric(model.target.task);
    const value = evaluation.metrics[name];
    if (value === undefined) throw invalid(`metric "${name}" is not one of ${Object.keys(evaluation.metrics).join(', ')}`);
    await logMetrics(ctx.stores.metadata.runs, ctx.runId, evaluation.metrics);
    const passed = i.min === undefined || value >= i.min;
    ctx.log(`${name} ${value.toFixed(4)}${i.min !== undefined ? ` (gate ${i.min}: ${passed ? 'passed' : 'not passed'})` : ''} on ${basename(i.data.blob).slice(0, 12)}`);
    if (!passed && i.fail) throw invalid(`gate: ${name} ${value.toFixed(4)} is below ${i.min}`);
    return { metrics: evaluation.metrics, score: value, passed };
  },
});

/** Register a model as the next version of a registered model (created when missing); the pipeline run is its lineage. */
export const register = component({
  name: 'capstan/register',
  version: '1',
  description: 'register a model as the next version of NAME',
  inputs: {
    model: { type: 'model', description: 'the model' },
    name: { type: 'string', description: 'the registered model' },
    description: { type: 'string', description: 'the version description', default: '' },
  },
  outputs: { version: { type: 'number', description: 'the new version' } },
  async run(i, ctx) {
    const v = await (await import('../../registry/index.ts')).registerStoredBundle(ctx.stores, { name: i.name, source: i.model.bundle, digest: i.model.digest, runId: ctx.pipelineRunId, description: i.description, author: ctx.actor.name });
    ctx.log(`${i.name} version ${v.version}`);
    return { version: v.version };
  },
});

/** Point an alias at a version, through the model's governance rules (a protected alias needs an approval). */
export const setAlias = component({
  name: 'capstan/set-alias',
  version: '1',
  description: "move an alias to a version (governed: protected aliases need an approval, as everywhere)",
  inputs: {
    name: { type: 'string', description: 'the registered model' },
    alias: { type: 'string', description: 'the alias' },
    version: { type: 'number', description: 'the version' },
    reason: { type: 'string', description: 'recorded in the audit log', default: 'set by a pipeline' },
  },
  outputs: { version: { type: 'number', description: 'the version the alias points at' } },
  // the alias may have moved since: it is set on every run
  cacheable: false,
  async run(i, ctx) {
    await ctx.stores.metadata.models.setAlias(i.name, i.alias, i.version, ctx.actor, i.reason);
    ctx.log(`${i.name}@${i.alias} -> ${i.version}`);
    return { version: i.version };
  },
});

/** The fan-in of a parallel-for over models: the one with the best score. */
export const bestModel = component({
  name: 'capstan/best-model',
  version: '1',
  description: 'pick the model with the best score from lists (the outputs of a forEach step)',
  inputs: {
    models: { type: 'list', description: 'models' },
    scores: { type: 'list', description: 'their scores, in the same order' },
    mode: { type: 'string', description: 'max or min', default: 'max' },
  },
  outputs: {
    model: { type: 'model', description: 'the best model' },
    score: { type: 'number', description: 'its score' },
    index: { type: 'number', description: 'its position in the lists' },
  },
  async run(i, ctx) {
    if (i.models.length === 0 || i.models.length !== i.scores.length) throw invalid(`models and scores must be lists of the same, non-zero length (got ${i.models.length} and ${i.scores.length})`);
    if (i.mode !== 'max' && i.mode !== 'min') throw invalid('mode must be max or min');
    let best = -1;
    i.scores.forEach((s, k) => {
      if (typeof s !== 'number' || Number.isNaN(s)) return;
      if (best < 0 || (i.mode === 'max' ? s > (i.scores[best] as number) : s < (i.scores[best] as number))) best = k;
    });
    if (best < 0) throw invalid('scores: no number among them');
    ctx.log(`best: #${best} with ${(i.scores[best] as number).toFixed(4)}`);
    return { model: i.models[best] as { bundle: string; digest: string }, score: i.scores[best] as number, index: best };
  },
});

/** Score a data file with a model: a CSV of the predictions in input order (prediction, then proba_<class> for classifiers). */
export const predict = component({
  name: 'capstan/predict',
  version: '1',
  description: 'batch-predict a data file with a model: a CSV with prediction and proba_<class> columns, in input order',
  inputs: {
    model: { type: 'model', description: 'the model' },
    data: { type: 'file', description: 'the rows to score (extra columns, such as the target, are ignored)' },
  },
  outputs: {
    predictions: { type: 'file', description: 'the CSV of predictions' },
    rows: { type: 'number', description: 'rows scored' },
  },
  async run(i, ctx) {
    const m = await modules();
    const { csvCell } = await import('../../core/csv.ts');
    const { model } = await m.getBundle(ctx.stores.artifacts, i.model.bundle);
    if (!model) throw invalid('model: an imported ONNX model is scored by capstan predict or a server, not in a pipeline step');
    const p = m.predictTable(model, await readTable(m, ctx, i.data));
    const classes = model.target.classes;
    const lines = [['prediction', ...(model.target.task === 'clustering' || !classes ? [] : classes.map((c) => csvCell(`proba_${c}`)))].join(',')];
    for (let r = 0; r < p.rows; r++) {
      if (!classes) lines.push(String(p.values![r]));
      else if (model.target.task === 'clustering') lines.push(csvCell(classes[p.classIndex![r]]));
      else lines.push([csvCell(classes[p.classIndex![r]]), ...classes.map((_, k) => String(p.proba![r * classes.length + k]))].join(','));
    }
    ctx.log(`${p.rows} rows scored`);
    return { predictions: await ctx.saveFile(Buffer.from(lines.join('\n') + '\n')), rows: p.rows };
  },
});
