import { basename } from 'node:path';
import { invalid } from '../../core/errors.ts';
import type { FeatureSpec, Task } from '../../core/schema.ts';
import { takeRows, type Table } from '../../core/table.ts';
import { datasetNameOf, inferFeatures, registerDataset, loadFile, prepareTarget, profileLoaded, tableOf, trainTestSplit, type FileProfile, type PreparedTarget, type Split } from '../../data/index.ts';
import { evaluate, predictionOutput, primaryMetric, predictTable, takeValues, trainModel, type Evaluation, type TabularModel, type TrainSpec } from '../../learn/index.ts';
import { buildBaseline } from '../../stats/index.ts';
import { encodeBundle, registerModel } from '../../registry/index.ts';
import { logMetrics, logParams, setTags, type DatasetVersion, type ModelVersion, type Principal, type Stores } from '../../store/index.ts';
import { step, type Pipeline, type Step, type StepInput } from '../spec.ts';
import { crossValidate, type CvResult, type CvScheme } from './cross-validate.ts';

export interface TrainingOptions {
  file: string;
  target: string;
  task: Task | 'auto';
  /** learner, its parameters (scikit-learn names) and seed */
  spec: TrainSpec;
  /** holdout: train on a stratified split, score the test part; cv: K-fold scores, then fit on all rows */
  evaluation: { kind: 'holdout'; testFraction: number } | { kind: 'cv'; folds: number; scheme?: CvScheme };
  /** `approve`: the actor approves the new version for the alias before moving it (the model's policy decides whether it may) */
  register?: { name: string; alias?: string; approve?: boolean };
  datasetName?: string;
  /** who registers the model and moves aliases (audit log, governance) */
  actor: Principal;
}

export type { CvResult };

function strata(t: PreparedTarget): Float64Array | undefined {
  return t.spec.task === 'regression' ? undefined : t.y;
}

function score(model: TabularModel, table: Table, y: Float64Array): Evaluation {
  const p = predictTable(model, table);
  return evaluate(model.target.task, y, predictionOutput(p), model.target.classes?.length ?? 1);
}

/**
 * The training pipeline behind `capstan quickstart` and `capstan train`: load -> profile -> split or cross-validate -> train ->
 * evaluate -> register. Each step records what it did on the run (params, metrics, dataset lineage).
 */
export function trainingPipeline(stores: Stores, o: TrainingOptions): Pipeline {
  const meta = stores.metadata;
  const steps: Step[] = [
    step({
      name: 'load',
      title: 'load data',
      inputs: {},
      outputs: { table: 'table', dataset: 'dataset', profile: 'json' },
      run: async (_in, ctx) => {
        // one parse serves the table the learners read and the profile the user sees and the dataset version keeps
        const loaded = await loadFile(o.file);
        let table: Table;
        let profile: FileProfile;
        try {
          table = await tableOf(loaded);
          profile = await profileLoaded(loaded, basename(o.file));
        } finally {
          await loaded.drop();
        }
        const dataset = await registerDataset(meta, o.file, o.datasetName ?? datasetNameOf(o.file), profile);
        const contentHash = dataset.contentHash;
        await meta.runs.linkDataset(ctx.runId, dataset.id, 'training');
        ctx.log(`${table.rows} rows x ${table.columns.length} columns from ${basename(o.file)} (dataset ${dataset.name} v${dataset.version}, ${contentHash.slice(0, 19)}...)`);
        return { table, dataset, profile };
      },
    }),
    step({
      name: 'profile',
      title: 'infer schema and profile',
      inputs: { table: { from: 'load.table', type: 'table' }, profile: { from: 'load.profile', type: 'json' } },
      outputs: { target: 'target', features: 'features', profile: 'json' },
      run: async (i, ctx) => {
        const target = prepareTarget(i.table as Table, o.target, o.task, basename(o.file));
        const scheme = o.evaluation.kind === 'cv' ? o.evaluation.scheme : undefined;
        if (scheme && scheme.kind !== 'kfold' && !target.features.columns.some((c) => c.name === scheme.column)) {
          throw invalid(`--${scheme.kind} column "${scheme.column}" not found in ${basename(o.file)}`);
        }
        // a group id decides folds, it is not a feature (a model would learn the ids)
        const features = inferFeatures(target.features, basename(o.file)).filter((f) => !(scheme?.kind === 'group' && f.name === scheme.column));
        const profile = i.profile as FileProfile;
        const numeric = features.filter((f) => f.kind === 'numeric').length;
        ctx.log(`task ${target.spec.task}${target.spec.classes ? ` (classes: ${target.spec.classes.join(', ')})` : ''}; ${features.length} features: ${numeric} numeric, ${features.length - numeric} categorical`);
        if (target.droppedMissingTarget > 0) ctx.log(`dropped ${target.droppedMissingTarget} rows with no target value`);
        for (const c of profile.columns) {
          const detail = c.mean !== null ? `range ${fmt(c.min!)}..${fmt(c.max!)}, mean ${fmt(c.mean)}` : `${c.distinct} values: ${(c.top ?? []).slice(0, 4).map((t) => t.value).join(', ')}${c.distinct > 4 ? ', ...' : ''}`;
          ctx.log(`  ${c.name.padEnd(20)} ${c.type.padEnd(11)} missing ${String(c.missing).padStart(5)}  ${detail}`);
        }
        return { target, features, profile };
      },
    }),
  ];
  if (o.evaluation.kind === 'holdout') {
    const testFraction = o.evaluation.testFraction;
    steps.push(
      step({
        name: 'split',
        title: 'split train/test',
        inputs: { target: { from: 'profile.target', type: 'target' } },
        outputs: { split: 'split' },
        run: async (i, ctx) => {
          const t = i.target as PreparedTarget;
          const split = trainTestSplit(t.features.rows, { testFraction, seed: o.spec.seed, strata: strata(t) });
          await logParams(meta.runs, ctx.runId, { 'split.kind': split.kind, 'split.seed': o.spec.seed, 'split.test_fraction': testFraction, 'split.train_rows': split.train.length, 'split.test_rows': split.test.length });
          ctx.log(`${split.kind} split, seed ${o.spec.seed}: ${split.train.length} train rows, ${split.test.length} test rows`);
          return { split };
        },
      }),
      step({
        name: 'train',
        title: `train ${o.spec.learner}`,
        inputs: { target: { from: 'profile.target', type: 'target' }, features: { from: 'profile.features', type: 'features' }, split: { from: 'split.split', type: 'split' } },
        outputs: { model: 'model', trainTable: 'table', fitSeconds: 'json' },
        run: async (i, ctx) => {
          const t = i.target as PreparedTarget;
          const split = i.split as Split;
          const trainTable = takeRows(t.features, split.train);
          const t0 = performance.now();
          const model = await trainModel(trainTable, takeValues(t.y, split.train), t.spec, i.features as FeatureSpec[], o.spec);
          const fitSeconds = (performance.now() - t0) / 1000;
          await logParams(meta.runs, ctx.runId, paramsOf(o, model));
          ctx.log(`${model.learner.name} fitted in ${fitSeconds.toFixed(2)} s (preprocessing fitted on the ${trainTable.rows} training rows only)`);
          return { model, trainTable, fitSeconds };
        },
      }),
      step({
        name: 'evaluate',
        title: 'evaluate on the test rows',
        inputs: { target: { from: 'profile.target', type: 'target' }, split: { from: 'split.split', type: 'split' }, model: { from: 'train.model', type: 'model' } },
        outputs: { evaluation: 'evaluation', testTable: 'table' },
        run: async (i, ctx) => {
          const t = i.target as PreparedTarget;
          const split = i.split as Split;
          const testTable = takeRows(t.features, split.test);
          const evaluation = score(i.model as TabularModel, testTable, takeValues(t.y, split.test));
          await logMetrics(meta.runs, ctx.runId, Object.fromEntries(Object.entries(evaluation.metrics).map(([k, v]) => [`test_${k}`, v])));
          ctx.log(Object.entries(evaluation.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', '));
          if (evaluation.confusion) logConfusion(ctx.log, evaluation.confusion, t.spec.classes!);
          return { evaluation, testTable };
        },
      }),
    );
  } else {
    const folds = o.evaluation.folds;
    if (folds > 0) steps.push(
      step({
        name: 'cross-validate',
        title: `${folds}-fold cross-validation`,
        inputs: { target: { from: 'profile.target', type: 'target' }, features: { from: 'profile.features', type: 'features' } },
        outputs: { cv: 'json' },
        run: async (i, ctx) => {
          const t = i.target as PreparedTarget;
          const metric = metricName(t);
          const scheme: CvScheme = o.evaluation.kind === 'cv' && o.evaluation.scheme ? o.evaluation.scheme : { kind: 'kfold' };
          const cv = await crossValidate(t, i.features as FeatureSpec[], o.spec, folds, scheme);
          await logParams(meta.runs, ctx.runId, { 'cv.kind': scheme.kind === 'kfold' ? (t.spec.task === 'regression' ? 'random' : 'stratified') : scheme.kind, 'cv.folds': folds, 'cv.seed': o.spec.seed, ...(scheme.kind !== 'kfold' ? { 'cv.column': scheme.column } : {}) });
          for (let k = 0; k < folds; k++) await logMetrics(meta.runs, ctx.runId, { [`cv_${metric}`]: cv.folds[k] }, k);
          await logMetrics(meta.runs, ctx.runId, { [`cv_${metric}_mean`]: cv.mean, [`cv_${metric}_std`]: cv.std });
          ctx.log(`${metric} ${cv.mean.toFixed(4)} +- ${cv.std.toFixed(4)} (folds: ${cv.folds.map((s) => s.toFixed(4)).join(', ')})`);
          return { cv };
        },
      }),
    );
    steps.push(
      step({
        name: 'train',
        title: 'fit on all rows',
        inputs: { target: { from: 'profile.target', type: 'target' }, features: { from: 'profile.features', type: 'features' } },
        outputs: { model: 'model', trainTable: 'table', fitSeconds: 'json' },
        run: async (i, ctx) => {
          const t = i.target as PreparedTarget;
          const t0 = performance.now();
          const model = await trainModel(t.features, t.y, t.spec, i.features as FeatureSpec[], o.spec);
          const fitSeconds = (performance.now() - t0) / 1000;
          await logParams(meta.runs, ctx.runId, paramsOf(o, model));
          ctx.log(`${model.learner.name} on ${t.features.rows} rows in ${fitSeconds.toFixed(2)} s`);
          return { model, trainTable: t.features, fitSeconds };
        },
      }),
    );
  }
  if (o.register) {
    const reg = o.register;
    const scoresFrom: Record<string, StepInput> =
      o.evaluation.kind === 'holdout' ? { scores: { from: 'evaluate.evaluation', type: 'evaluation' as const } } : o.evaluation.folds > 0 ? { scores: { from: 'cross-validate.cv', type: 'json' as const } } : {};
    steps.push(
      step({
        name: 'register',
        title: 'register the model',
        inputs: { model: { from: 'train.model', type: 'model' }, trainTable: { from: 'train.trainTable', type: 'table' }, dataset: { from: 'load.dataset', type: 'dataset' }, ...scoresFrom },
        outputs: { version: 'model-version' },
        run: async (i, ctx) => {
          const model = i.model as TabularModel;
          const dataset = i.dataset as DatasetVersion;
          const metrics =
            i.scores === undefined ? {} : o.evaluation.kind === 'holdout' ? prefixed('test_', (i.scores as Evaluation).metrics) : { [`cv_${primaryMetric(model.target.task)}_mean`]: (i.scores as CvResult).mean };
          const bundle = encodeBundle(model, {
            metrics,
            baseline: buildBaseline(i.trainTable as Table, model.features),
            lineage: { runId: ctx.runId, datasets: [{ name: dataset.name, contentHash: dataset.contentHash, rows: dataset.rows }] },
          });
          const version = await registerModel(stores, reg.name, bundle, ctx.runId, o.actor.name);
          if (reg.alias && reg.approve) await meta.models.approve({ name: reg.name, version: version.version, alias: reg.alias, approver: o.actor, comment: 'approved by the training pipeline that registered it' });
          if (reg.alias) await meta.models.setAlias(reg.name, reg.alias, version.version, o.actor, 'registered by the training pipeline');
          await setTags(meta.runs, ctx.runId, { 'model.name': reg.name, 'model.version': String(version.version) });
          ctx.log(`${reg.name} version ${version.version}${reg.alias ? `, alias ${reg.alias} -> ${version.version}` : ''} (${version.digest.slice(0, 19)}...)`);
          return { version: version satisfies ModelVersion };
        },
      }),
    );
  }
  return { name: 'training', steps };
}

function metricName(t: PreparedTarget): string {
  return primaryMetric(t.spec.task);
}

function paramsOf(o: TrainingOptions, model: TabularModel): Record<string, string | number> {
  return { learner: model.learner.name, target: o.target, seed: o.spec.seed, ...Object.fromEntries(Object.entries(model.learner.params).map(([k, v]) => [`${model.learner.name}.${k}`, v])) };
}

function prefixed(prefix: string, m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [prefix + k, v]));
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}

function logConfusion(log: (m: string) => void, m: number[][], classes: string[]): void {
  const w = Math.max(8, ...classes.map((c) => c.length + 2));
  log(`confusion matrix (rows: actual, columns: predicted)`);
  log(' '.repeat(w) + classes.map((c) => c.padStart(w)).join(''));
  m.forEach((row, i) => log(classes[i].padStart(w) + row.map((v) => String(v).padStart(w)).join('')));
}

