import type { Table } from '../../core/table.ts';
import type { CvScheme, PreparedTarget } from '../../data/index.ts';
import type { Evaluation, TabularModel } from '../../learn/index.ts';
import { CapstanError, invalid, orNullIfNotFound } from '../../core/errors.ts';
import { logMetrics, logParams, setTags, type ModelVersion, type Stores } from '../../store/index.ts';
import { component, fileLabel } from './component.ts';

/* The learners, the data layer and the registry load when a step runs, not when a pipeline is linted or reused. */
const modules = async () => {
  const [data, learn, registry, stats, table, cv] = await Promise.all([import('../../data/index.ts'), import('../../learn/index.ts'), import('../../registry/index.ts'), import('../../stats/index.ts'), import('../../core/table.ts'), import('./cross-validate.ts')]);
  return { ...data, ...learn, ...registry, ...stats, ...table, ...cv };
};
type Modules = Awaited<ReturnType<typeof modules>>;

function scoreTable(m: Modules, model: TabularModel, table: Table, y: Float64Array): Evaluation {
  return m.evaluate(model.target.task, y, m.predictionOutput(m.predictTable(model, table)), model.target.classes?.length ?? 1);
}

const TASKS = ['auto', 'binary', 'multiclass', 'regression'] as const;

/** The data's target as the model's class indexes (a test file may list its classes in another order, or miss some). */
function targetFor(model: TabularModel, t: PreparedTarget): Float64Array {
  const classes = model.target.classes;
  if (!classes) return t.y;
  const index = new Map(classes.map((c, k) => [c, k]));
  return Float64Array.from(t.y, (v) => {
    const k = index.get(t.spec.classes![v]);
    if (k === undefined) throw invalid(`data: class "${t.spec.classes![v]}" is not one the model knows (${classes.join(', ')})`);
    return k;
  });
}

function confusionLines(m: number[][], classes: string[]): string[] {
  const w = Math.max(8, ...classes.map((c) => c.length + 2));
  return ['confusion matrix (rows: actual, columns: predicted)', ' '.repeat(w) + classes.map((c) => c.padStart(w)).join(''), ...m.map((row, i) => classes[i].padStart(w) + row.map((v) => String(v).padStart(w)).join(''))];
}

const prefixed = (prefix: string, m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [prefix + k, v]));

/**
 * Fit a learner, with the evaluation a user asks for: a test file or a seeded held-out share of the rows (test_ metrics),
 * K-fold cross-validation (cv_ metrics; then the fit is on every row), or neither. The model keeps its training baseline, its
 * scores and the dataset it came from. `capstan train` and `capstan quickstart` are pipelines around this component.
 */
export const train = component({
  name: 'capstan/train',
  version: '2',
  description: 'fit a learner on a data file, scored on a test file, a held-out share of the rows or K folds',
  inputs: {
    data: { type: 'file', description: 'the training data (with the target column)', table: true },
    target: { type: 'string', description: 'the target column' },
    task: { type: 'string', description: 'auto, binary, multiclass or regression', default: 'auto' },
    learner: { type: 'string', description: 'gbdt, forest, linear, ... (capstan train --help lists them)', default: 'gbdt' },
    params: { type: 'json', description: 'learner parameters (scikit-learn names)', default: {} },
    seed: { type: 'number', description: 'split, fold and learner seed', default: 0 },
    test: { type: 'file', description: 'rows to score the model on (then no share of data is held out)', optional: true, table: true },
    testFraction: { type: 'number', description: 'the share of rows held out and scored when no test file is given (0: none)', default: 0.2 },
    folds: { type: 'number', description: 'K-fold cross-validation on the training rows before the fit (0: none)', default: 0 },
    group: { type: 'string', description: 'cross-validate by whole groups of this column (not a feature then)', optional: true },
    time: { type: 'string', description: 'cross-validate in time order of this column (train on the past, test on the next block)', optional: true },
    threads: { type: 'number', description: 'worker threads for learners that use them', default: 1 },
    dataset: { type: 'json', description: "the dataset version the data is, for the model's lineage (the load step's dataset output)", optional: true },
  },
  outputs: {
    model: { type: 'model', description: 'the fitted model as a bundle' },
    task: { type: 'string', description: 'the task trained for' },
    metrics: { type: 'json', description: 'its scores: test_<metric> on the test rows, cv_<metric>_mean and _std over folds' },
    score: { type: 'number', description: 'the primary metric (ROC AUC, accuracy or R2): on the test rows, else the CV mean, else on (up to 5 000 of) the training rows' },
    cv: { type: 'json', description: 'the cross-validation: {mean, std, folds, fitSeconds}, or null' },
    params: { type: 'json', description: "the learner's parameters, defaults included" },
    fitSeconds: { type: 'number', description: 'seconds of the final fit' },
  },
  summary: true,
  heavy: true,
  async run(i, ctx) {
    if (!(TASKS as readonly string[]).includes(i.task)) throw invalid(`task must be one of ${TASKS.join(', ')}`);
    if (typeof i.params !== 'object' || i.params === null || Array.isArray(i.params)) throw invalid('params must be an object of learner parameters');
    if (i.group !== undefined && i.time !== undefined) throw invalid('group and time are alternatives: give one');
    if ((i.group !== undefined || i.time !== undefined) && i.folds < 2) throw invalid(`${i.group !== undefined ? 'group' : 'time'} needs folds of at least 2`);
    if (i.folds === 1 || i.folds < 0 || !Number.isInteger(i.folds)) throw invalid('folds must be 0 (no cross-validation) or an integer of at least 2');
    const m = await modules();
    const label = fileLabel(i.data);
    const spec = { learner: i.learner, params: i.params as Record<string, number | string>, seed: i.seed, threads: i.threads };
    m.checkTrainSpec(spec);
    const runs = ctx.stores.metadata.runs;
    const t = m.prepareTarget(await ctx.readTable(i.data), i.target, i.task as (typeof TASKS)[number], label);
    const scheme: CvScheme = i.group !== undefined ? { kind: 'group', column: i.group } : i.time !== undefined ? { kind: 'time', column: i.time } : { kind: 'kfold' };
    if (scheme.kind !== 'kfold' && !t.features.columns.some((c) => c.name === scheme.column)) throw invalid(`${scheme.kind} column "${scheme.column}" not found in ${label}`);
    // a group id decides folds, it is not a feature (a model would learn the ids)
    const features = m.inferFeatures(t.features, label).filter((f) => !(scheme.kind === 'group' && f.name === scheme.column));
    const numeric = features.filter((f) => f.kind === 'numeric').length;
    ctx.log(`task ${t.spec.task}${t.spec.classes ? ` (classes: ${t.spec.classes.join(', ')})` : ''}; ${features.length} features: ${numeric} numeric, ${features.length - numeric} categorical`);
    if (t.droppedMissingTarget > 0) ctx.log(`dropped ${t.droppedMissingTarget} rows with no target value`);
    const metric = m.primaryMetric(t.spec.task);

    // the rows to fit on, and the ones held out
    let fitOn: PreparedTarget = t;
    let heldOut: { table: Table; y: Float64Array } | null = null;
    if (i.test === undefined && i.testFraction > 0) {
      const split = m.trainTestSplit(t.features.rows, { testFraction: i.testFraction, seed: i.seed, strata: t.spec.task === 'regression' ? undefined : t.y });
      await logParams(runs, ctx.runId, { 'split.kind': split.kind, 'split.seed': i.seed, 'split.test_fraction': i.testFraction, 'split.train_rows': split.train.length, 'split.test_rows': split.test.length });
      ctx.log(`${split.kind} split, seed ${i.seed}: ${split.train.length} train rows, ${split.test.length} test rows`);
      fitOn = { ...t, features: m.takeRows(t.features, split.train), y: m.takeValues(t.y, split.train) };
      heldOut = { table: m.takeRows(t.features, split.test), y: m.takeValues(t.y, split.test) };
    }

    let cv: { mean: number; std: number; folds: number[]; fitSeconds: number } | null = null;
    if (i.folds >= 2) {
      cv = await m.crossValidate(fitOn, features, spec, i.folds, scheme);
      await logParams(runs, ctx.runId, { 'cv.kind': scheme.kind === 'kfold' ? (t.spec.task === 'regression' ? 'random' : 'stratified') : scheme.kind, 'cv.folds': i.folds, 'cv.seed': i.seed, ...(scheme.kind !== 'kfold' ? { 'cv.column': scheme.column } : {}) });
      for (let k = 0; k < i.folds; k++) await logMetrics(runs, ctx.runId, { [`cv_${metric}`]: cv.folds[k] }, k);
      await logMetrics(runs, ctx.runId, { [`cv_${metric}_mean`]: cv.mean, [`cv_${metric}_std`]: cv.std });
      ctx.log(`${i.folds}-fold cross-validation: ${metric} ${cv.mean.toFixed(4)} +- ${cv.std.toFixed(4)} (folds: ${cv.folds.map((s) => s.toFixed(4)).join(', ')})`);
    }

    const t0 = performance.now();
    const model = await m.trainModel(fitOn.features, fitOn.y, t.spec, features, spec);
    const fitSeconds = (performance.now() - t0) / 1000;
    await logParams(runs, ctx.runId, { learner: model.learner.name, target: i.target, seed: i.seed, ...Object.fromEntries(Object.entries(model.learner.params).map(([k, v]) => [`${model.learner.name}.${k}`, v])) });
    ctx.log(`${model.learner.name} fitted on ${fitOn.features.rows} rows in ${fitSeconds.toFixed(2)} s${heldOut ? ' (preprocessing fitted on the training rows only)' : ''}`);

    if (i.test !== undefined) {
      const tt = m.prepareTarget(await ctx.readTable(i.test), model.target.name, model.target.task, fileLabel(i.test));
      heldOut = { table: tt.features, y: targetFor(model, tt) };
    }
    let metrics: Record<string, number> = {};
    let score: number;
    if (heldOut) {
      const evaluation = scoreTable(m, model, heldOut.table, heldOut.y);
      metrics = prefixed('test_', evaluation.metrics);
      await logMetrics(runs, ctx.runId, metrics);
      ctx.log(`on ${heldOut.table.rows} test rows: ${Object.entries(evaluation.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
      if (evaluation.confusion) for (const line of confusionLines(evaluation.confusion, model.target.classes!)) ctx.log(line);
      score = metrics[`test_${metric}`];
    } else if (cv) {
      metrics = { [`cv_${metric}_mean`]: cv.mean };
      score = cv.mean;
    } else {
      // no held-out rows: the score on (at most 5 000 evenly spaced) training rows, so a fan-in still has a number
      const rows = fitOn.features.rows;
      const take = Array.from({ length: Math.min(rows, 5000) }, (_, k) => Math.floor((k * rows) / Math.min(rows, 5000)));
      score = scoreTable(m, model, m.takeRows(fitOn.features, take), m.takeValues(fitOn.y, take)).metrics[metric];
    }

    const d = i.dataset as { name?: unknown; contentHash?: unknown; rows?: unknown } | undefined;
    const datasets = d && typeof d.name === 'string' && typeof d.contentHash === 'string' && typeof d.rows === 'number' ? [{ name: d.name, contentHash: d.contentHash, rows: d.rows }] : undefined;
    const bundle = m.encodeBundle(model, { metrics, training: fitOn.features, labels: fitOn.y, lineage: { runId: ctx.pipelineRunId, ...(datasets ? { datasets } : {}) } });
    const prefix = `pipelines/${ctx.pipelineRunId}/${ctx.runId}/model`;
    const digest = await m.putBundle(ctx.stores.artifacts, prefix, bundle);
    return { model: { bundle: prefix, digest }, task: model.target.task, metrics, score, cv, params: model.learner.params, fitSeconds };
  },
});

/** Score a model on a data file; with `min`, a gate: `passed` says whether the metric reached it, `fail` stops the pipeline. */
export const evaluateModel = component({
  name: 'capstan/evaluate',
  version: '2',
  description: 'score a model on a data file; optionally a gate (a least value, and no worse than the champion on the same rows) that fails the run or lets a condition branch',
  inputs: {
    model: { type: 'model', description: 'the model' },
    data: { type: 'file', description: 'data with the target column', table: true },
    metric: { type: 'string', description: 'the gated metric (default: ROC AUC, accuracy or R2 by task)', optional: true },
    min: { type: 'number', description: 'the least value that passes (for an error metric such as log_loss or rmse: the most)', optional: true },
    champion: { type: 'string', description: 'a registered model (NAME, meaning NAME@champion, or NAME@ALIAS): the model must score at least as well on the same rows; passes when there is none yet', optional: true },
    fail: { type: 'boolean', description: 'fail the step (and the run) when the gate is not passed instead of answering passed=false', default: false },
  },
  outputs: {
    metrics: { type: 'json', description: 'every metric' },
    score: { type: 'number', description: 'the gated metric' },
    passed: { type: 'boolean', description: 'whether the gate was passed (true without min and champion)' },
    champion: { type: 'json', description: "the champion's {name, version, score} on the same rows, or null" },
  },
  summary: true,
  heavy: true,
  async run(i, ctx) {
    const m = await modules();
    const { METRICS } = await import('../../automl/index.ts');
    const { model } = await m.getBundle(ctx.stores.artifacts, i.model.bundle);
    if (!model) throw invalid('model: an imported ONNX model cannot be evaluated here');
    const table = await ctx.readTable(i.data);
    const t = m.prepareTarget(table, model.target.name, model.target.task, fileLabel(i.data));
    const y = targetFor(model, t);
    const evaluation = scoreTable(m, model, t.features, y);
    const name = i.metric ?? m.primaryMetric(model.target.task);
    const value = evaluation.metrics[name];
    if (value === undefined) throw invalid(`metric "${name}" is not one of ${Object.keys(evaluation.metrics).join(', ')}`);
    const higher = METRICS[name]?.higher ?? true;
    const better = (a: number, b: number) => (higher ? a >= b : a <= b);
    await logMetrics(ctx.stores.metadata.runs, ctx.runId, evaluation.metrics);
    const reasons: string[] = [];
    if (i.min !== undefined && !better(value, i.min)) reasons.push(`${name} ${value.toFixed(4)} is ${higher ? 'below' : 'above'} ${i.min}`);
    let champion: { name: string; version: number; score: number } | null = null;
    if (i.champion !== undefined) {
      const ref = i.champion.includes('@') ? i.champion : `${i.champion}@champion`;
      const [modelName, alias] = ref.split('@');
      let version: number | null = null;
      try {
        version = (await ctx.stores.metadata.models.resolveAlias(modelName, alias)).version;
      } catch (e) {
        if (!(e instanceof CapstanError && e.code === 'NOT_FOUND')) throw e;
      }
      if (version === null) ctx.log(`no champion: ${ref} does not exist yet, the gate does not compare`);
      else {
        const loaded = await m.loadModel(ctx.stores, `${modelName}:${version}`);
        if (!loaded.model) throw invalid(`champion: ${modelName}:${version} is an imported ONNX model, which cannot be scored here`);
        const score = scoreTable(m, loaded.model, t.features, targetFor(loaded.model, t)).metrics[name];
        champion = { name: modelName, version, score };
        await logMetrics(ctx.stores.metadata.runs, ctx.runId, { [`champion_${name}`]: score });
        ctx.log(`champion ${modelName}:${version} (${ref}): ${name} ${score.toFixed(4)} on the same rows`);
        if (!better(value, score)) reasons.push(`${name} ${value.toFixed(4)} is worse than the champion's ${score.toFixed(4)} (${modelName}:${version})`);
      }
    }
    const passed = reasons.length === 0;
    const gated = i.min !== undefined || champion !== null;
    const gate = [...(i.min !== undefined ? [String(i.min)] : []), ...(champion ? [`champion ${champion.name}:${champion.version}`] : [])].join(' and ');
    ctx.log(`${name} ${value.toFixed(4)}${gated ? ` (gate ${gate}: ${passed ? 'passed' : `not passed: ${reasons.join('; ')}`})` : ''} on ${fileLabel(i.data)}`);
    if (!passed && i.fail) throw invalid(`gate: ${reasons.join('; ')}`);
    return { metrics: evaluation.metrics, score: value, passed, champion };
  },
});

/**
 * The version this bundle became when an earlier attempt of the step registered it and died before the step ended (a killed
 * worker): the step's effect happens once. The bundle's place is unique to the step run that wrote it; versions registered
 * since by others are few, so the newest 20 are looked at.
 */
async function registeredBefore(stores: Stores, name: string, source: string): Promise<ModelVersion | null> {
  const model = await orNullIfNotFound(stores.metadata.models.getModel(name));
  if (!model) return null;
  const latest = model.latestVersion;
  for (let v = latest; v >= 1 && v > latest - 20; v--) {
    const found = await stores.metadata.models.getVersion(name, v).catch(() => null);
    if (found?.source === source) return found;
  }
  return null;
}

/** Register a model as the next version of a registered model (created when missing); the pipeline run is its lineage. */
export const register = component({
  name: 'capstan/register',
  version: '2',
  description: 'register a model as the next version of NAME',
  inputs: {
    model: { type: 'model', description: 'the model' },
    name: { type: 'string', description: 'the registered model' },
    description: { type: 'string', description: 'the version description', default: '' },
  },
  outputs: { version: { type: 'number', description: 'the new version' } },
  async run(i, ctx) {
    const earlier = await registeredBefore(ctx.stores, i.name, i.model.bundle);
    if (earlier) {
      ctx.log(`${i.name} version ${earlier.version}: registered by an earlier attempt of this step`);
      return { version: earlier.version };
    }
    const v = await (await import('../../registry/index.ts')).registerStoredBundle(ctx.stores, { name: i.name, source: i.model.bundle, digest: i.model.digest, runId: ctx.pipelineRunId, description: i.description, author: ctx.actor.name });
    await setTags(ctx.stores.metadata.runs, ctx.pipelineRunId, { 'model.name': v.name, 'model.version': String(v.version) });
    ctx.log(`${i.name} version ${v.version} (${v.digest.slice(0, 19)}...)`);
    return { version: v.version };
  },
});

/** Point an alias at a version, through the model's governance rules (a protected alias needs an approval). */
export const setAlias = component({
  name: 'capstan/set-alias',
  version: '2',
  description: "move an alias to a version (governed: protected aliases need an approval, as everywhere)",
  inputs: {
    name: { type: 'string', description: 'the registered model' },
    alias: { type: 'string', description: 'the alias' },
    version: { type: 'number', description: 'the version' },
    reason: { type: 'string', description: 'recorded in the audit log', default: 'set by a pipeline' },
    approve: { type: 'boolean', description: "approve the version for the alias first, as whoever runs the pipeline (the model's policy decides whether they may)", default: false },
  },
  outputs: { version: { type: 'number', description: 'the version the alias points at' } },
  // the alias may have moved since: it is set on every run
  cacheable: false,
  async run(i, ctx) {
    const models = ctx.stores.metadata.models;
    if (i.approve) await models.approve({ name: i.name, version: i.version, alias: i.alias, approver: ctx.actor, comment: `approved by the pipeline that set the alias (${i.reason})` });
    await models.setAlias(i.name, i.alias, i.version, ctx.actor, i.reason);
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
    data: { type: 'file', description: 'the rows to score (extra columns, such as the target, are ignored)', table: true },
  },
  outputs: {
    predictions: { type: 'file', description: 'the CSV of predictions' },
    rows: { type: 'number', description: 'rows scored' },
  },
  heavy: true,
  async run(i, ctx) {
    const m = await modules();
    const { csvCell } = await import('../../core/csv.ts');
    const { model } = await m.getBundle(ctx.stores.artifacts, i.model.bundle);
    if (!model) throw invalid('model: an imported ONNX model is scored by capstan predict or a server, not in a pipeline step');
    const p = m.predictTable(model, await ctx.readTable(i.data));
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
