import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { encodeStrings, numericColumn, type Table } from '../src/core/table.ts';
import { inferFeatures, prepareTarget, readTable } from '../src/data/index.ts';
import { ensembleModel, predictTable, trainModel, type TabularModel } from '../src/learn/index.ts';
import { exportOnnx } from '../src/onnx/index.ts';
import { FLOAT, INT64, OnnxGraph } from '../src/onnx/graph.ts';
import { onnxSignature, readOnnx } from '../src/onnx/read.ts';
import { createServingHooks } from '../src/serve/index.ts';
import { createApp, listen, RegistryModelProvider } from '../src/server/index.ts';
import { openStores } from '../src/store/index.ts';
import { approveChampion, cli, ROOT, TELCO, tempHome } from './helpers.ts';

const PENGUINS = join(ROOT, 'test', 'fixtures', 'penguins.csv');

/**
 * The rows as given plus hostile copies of the first 60: unseen categories, missing values of both kinds, infinities and
 * huge numbers, so the exported preprocessing is checked where it matters, not only on clean rows.
 */
function withHostileRows(t: Table): Table {
  const extra = 60;
  const n = t.rows + extra;
  return {
    rows: n,
    columns: t.columns.map((c, j) => {
      if (c.kind === 'numeric') {
        const v = new Float64Array(n);
        v.set(c.values);
        const odd = [NaN, Infinity, -Infinity, 1e308, -0, 0.5];
        for (let i = 0; i < extra; i++) v[t.rows + i] = (i + j) % 3 === 0 ? odd[(i + j) % odd.length] : c.values[i];
        return numericColumn(c.name, v);
      }
      const labels: (string | null)[] = Array.from(c.codes, (k) => (k < 0 ? null : c.categories[k]));
      for (let i = 0; i < extra; i++) labels.push((i + j) % 3 === 0 ? [null, 'never-seen-before', c.categories[0]][(i + j) % 3] : labels[i]);
      return encodeStrings(c.name, labels);
    }),
  };
}

/** onnxruntime's inputs for a table: numbers as double, categories as strings ('' = missing). */
function feeds(model: TabularModel, t: Table): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const f of model.features) {
    const c = t.columns.find((x) => x.name === f.name)!;
    if (f.kind === 'numeric') out[f.name] = new ort.Tensor('float64', c.kind === 'numeric' ? c.values : new Float64Array(t.rows).fill(NaN), [t.rows, 1]);
    else out[f.name] = new ort.Tensor('string', c.kind === 'categorical' ? Array.from(c.codes, (k) => (k < 0 ? '' : c.categories[k])) : Array.from(c.values, (v) => (Number.isNaN(v) ? '' : String(v))), [t.rows, 1]);
  }
  return out;
}

type Member = { learner: string; params: Record<string, number | string>; weight: number };

/** A single learner, or an ensemble of weighted members (what AutoML may pick). */
async function parity(file: string, target: string, learner: string | Member[], params: Record<string, number | string>): Promise<{ worst: number; labelsDiffer: number; rows: number }> {
  const prep = prepareTarget(await readTable(file), target, 'auto');
  const fit = (l: string, p: Record<string, number | string>) => trainModel(prep.features, prep.y, prep.spec, inferFeatures(prep.features), { learner: l, params: p, seed: 1 });
  const model = typeof learner === 'string' ? await fit(learner, params) : ensembleModel(await Promise.all(learner.map(async (m) => ({ weight: m.weight, model: await fit(m.learner, m.params) }))));
  const rows = withHostileRows(prep.features);
  const ours = predictTable(model, rows);
  const session = await ort.InferenceSession.create(exportOnnx(model));
  const result = await session.run(feeds(model, rows));
  const mine = ours.proba ?? ours.values!;
  const theirs = (result.probabilities ?? result.variable).data as Float64Array;
  assert.equal(theirs.length, mine.length);
  // the worst difference beyond what floating point allows: 1e-5 absolute, or a few units in the last place for answers so
  // large (a 1e308 input clipped to 1e9 standard deviations gives ~1e12) that one unit exceeds it and summation order shows
  let worst = 0;
  for (let i = 0; i < mine.length; i++) worst = Math.max(worst, Math.abs(mine[i] - theirs[i]) - Math.max(1e-5, 8 * Number.EPSILON * Math.abs(mine[i])) + 1e-5);
  let labelsDiffer = 0;
  if (ours.classIndex) {
    const labels = result.label.data as string[];
    for (let i = 0; i < rows.rows; i++) if (labels[i] !== model.target.classes![ours.classIndex[i]]) labelsDiffer++;
  }
  return { worst, labelsDiffer, rows: rows.rows };
}

describe('ONNX export: onnxruntime gives our predictions (max absolute difference <= 1e-5), hostile rows included', () => {
  const cases: [string, string, string, string | Member[], Record<string, number | string>][] = [
    ['binary, native categorical splits', TELCO, 'churn', 'gbdt', { n_estimators: 40 }],
    ['binary, one-hot + scaling', TELCO, 'churn', 'linear', {}],
    ['binary, target encoding, robust scaling, mean imputation', TELCO, 'churn', 'linear', { categorical: 'target', scaler: 'robust', impute: 'mean' }],
    ['binary, random forest', TELCO, 'churn', 'forest', { n_estimators: 12 }],
    ['binary, extra trees without scaling', TELCO, 'churn', 'forest', { n_estimators: 8, extra_trees: 1, scaler: 'none' }],
    ['regression, log target', TELCO, 'total_charges', 'gbdt', { n_estimators: 40, target_transform: 'log' }],
    ['regression, ridge with target encoding', TELCO, 'total_charges', 'linear', { categorical: 'target' }],
    ['regression, elastic net', TELCO, 'total_charges', 'linear', { alpha: 0.1, l1_ratio: 0.5 }],
    ['regression, random forest', TELCO, 'total_charges', 'forest', { n_estimators: 8 }],
    ['multiclass, native categorical splits', PENGUINS, 'species', 'gbdt', { n_estimators: 20 }],
    ['multiclass, multinomial logistic', PENGUINS, 'species', 'linear', {}],
    ['multiclass, multinomial with target encoding (one column per class)', PENGUINS, 'species', 'linear', { categorical: 'target' }],
    ['multiclass, random forest', PENGUINS, 'species', 'forest', { n_estimators: 10 }],
    ['binary, Gaussian and categorical likelihoods', TELCO, 'churn', 'bayes', {}],
    ['multiclass, Gaussian and categorical likelihoods', PENGUINS, 'species', 'bayes', { var_smoothing: 1e-6 }],
    ['binary, across learner families (forest votes and boosted trees in one graph)', TELCO, 'churn', [{ learner: 'gbdt', params: { n_estimators: 20 }, weight: 0.4 }, { learner: 'forest', params: { n_estimators: 6 }, weight: 0.3 }, { learner: 'linear', params: {}, weight: 0.2 }, { learner: 'bayes', params: {}, weight: 0.1 }], {}],
    ['multiclass, boosted trees and a forest', PENGUINS, 'species', [{ learner: 'gbdt', params: { n_estimators: 10 }, weight: 2 }, { learner: 'forest', params: { n_estimators: 6 }, weight: 1 }], {}],
    ['regression, log-target boosting, a forest and ridge', TELCO, 'total_charges', [{ learner: 'gbdt', params: { n_estimators: 20, target_transform: 'log' }, weight: 0.5 }, { learner: 'forest', params: { n_estimators: 6 }, weight: 0.25 }, { learner: 'linear', params: {}, weight: 0.25 }], {}],
  ];
  for (const [label, file, target, learner, params] of cases) {
    it(`${typeof learner === 'string' ? learner : 'ensemble'}: ${label}`, async () => {
      const r = await parity(file, target, learner, params);
      assert.ok(r.worst <= 1e-5, `max absolute difference ${r.worst} over ${r.rows} rows`);
      assert.equal(r.labelsDiffer, 0);
    });
  }

  it('refuses what has no ONNX form, saying why', async () => {
    const prep = prepareTarget(await readTable(PENGUINS), 'species', 'auto');
    const knn = await trainModel(prep.features, prep.y, prep.spec, inferFeatures(prep.features), { learner: 'knn', params: {}, seed: 0 });
    assert.throws(() => exportOnnx(knn), /ONNX export: learner knn is not supported \(gbdt, forest, linear, bayes are\)/);
    const gbdt = await trainModel(prep.features, prep.y, prep.spec, inferFeatures(prep.features), { learner: 'gbdt', params: { n_estimators: 3 }, seed: 0 });
    assert.throws(() => exportOnnx(ensembleModel([{ weight: 1, model: gbdt }, { weight: 1, model: knn }])), /ONNX export: ensemble member knn: learner knn is not supported/);
  });
});

describe('capstan deploy --target onnx', () => {
  it('writes model.onnx for a registered model, with one input per feature column', async () => {
    const home = tempHome();
    const trained = cli(['train', TELCO, '--target', 'churn', '--cv', '0', '--param', 'n_estimators=10', '--register', 'churn'], home);
    assert.equal(trained.status, 0, trained.stderr);
    const out = join(home, 'onnx');
    const r = cli(['deploy', 'churn', '--target', 'onnx', '--out', out], home);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /outputs: label \(string \[N\]\), probabilities \(double \[N,2\]\)/);
    assert.ok(existsSync(join(out, 'model.onnx')));
    const session = await ort.InferenceSession.create(readFileSync(join(out, 'model.onnx')));
    assert.equal(session.inputNames.length, 19);
    assert.deepEqual([...session.outputNames].sort(), ['label', 'probabilities']);
  });
});

/**
 * Models as other tools write them (skl2onnx's conventions): one float [N, F] input, TreeEnsembleClassifier with int64
 * class labels and a float probability tensor; a per-column float regressor. Built here with the graph writer, so the
 * test needs nothing outside the repository.
 */
function foreignClassifier(): Uint8Array {
  const g = new OnnxGraph();
  const x = g.input('float_input', FLOAT, ['N', 3]);
  // one stump per class: class 10 when x0 <= 0.5, class 20 when x1 <= 0.5, else 30
  g.node(
    'TreeEnsembleClassifier',
    [x],
    {
      nodes_treeids: [0, 0, 0, 1, 1, 1],
      nodes_nodeids: [0, 1, 2, 0, 1, 2],
      nodes_featureids: [0, 0, 0, 1, 0, 0],
      nodes_modes: ['BRANCH_LEQ', 'LEAF', 'LEAF', 'BRANCH_LEQ', 'LEAF', 'LEAF'],
      nodes_values: { floats: [0.5, 0, 0, 0.5, 0, 0] },
      nodes_truenodeids: [1, 0, 0, 1, 0, 0],
      nodes_falsenodeids: [2, 0, 0, 2, 0, 0],
      class_treeids: [0, 0, 1, 1],
      class_nodeids: [1, 2, 1, 2],
      class_ids: [0, 2, 1, 2],
      class_weights: { floats: [1, 0.5, 1, 0.5] },
      classlabels_int64s: [10, 20, 30],
      post_transform: 'NONE',
    },
    { domain: 'ml', names: ['label', 'probabilities'] },
  );
  g.output('label', INT64, ['N']);
  g.output('probabilities', FLOAT, ['N', 3]);
  return g.build({ producer: 'skl2onnx', version: '1.16', doc: '', props: {}, opset: 15, mlOpset: 3 });
}

function foreignRegressor(): Uint8Array {
  const g = new OnnxGraph();
  const a = g.input('a', FLOAT, ['N', 1]);
  const b = g.input('b', FLOAT, ['N', 1]);
  const x = g.op('Concat', [a, b], { axis: 1 });
  g.node('LinearRegressor', [x], { coefficients: { floats: [2, -1] }, intercepts: { floats: [0.25] } }, { domain: 'ml', names: ['variable'] });
  g.output('variable', FLOAT, ['N', 1]);
  return g.build({ producer: 'skl2onnx', version: '1.16', doc: '', props: {}, opset: 15, mlOpset: 3 });
}

describe('ONNX models trained elsewhere: registered with the signature read from the graph, then served', () => {
  const home = tempHome();
  const write = (name: string, bytes: Uint8Array) => {
    const p = join(home, name);
    writeFileSync(p, bytes);
    return p;
  };

  it('reads the signature: a stacked [N, F] input becomes F columns, int64 class labels become classes', () => {
    const s = onnxSignature(readOnnx(foreignClassifier()));
    assert.deepEqual(s.features.map((f) => f.name), ['float_input_0', 'float_input_1', 'float_input_2']);
    assert.deepEqual(s.target, { name: 'label', task: 'multiclass', classes: ['10', '20', '30'] });
    assert.deepEqual(s.layout, { kind: 'tensor', input: 'float_input', elem: FLOAT, width: 3 });
    const r = onnxSignature(readOnnx(foreignRegressor()));
    assert.deepEqual(r.features.map((f) => [f.name, f.kind]), [['a', 'numeric'], ['b', 'numeric']]);
    assert.equal(r.target.task, 'regression');
  });

  it('refuses what it cannot serve, saying why', () => {
    assert.throws(() => readOnnx(Uint8Array.of(1, 2, 3)), /not an ONNX model/);
    const g = new OnnxGraph();
    const x = g.input('x', FLOAT, ['N', 2, 2]);
    g.node('Identity', [x], {}, { names: ['y'] });
    g.output('y', FLOAT, ['N', 2, 2]);
    assert.throws(() => onnxSignature(readOnnx(g.build({ producer: 't', version: '1', doc: '', props: {} }))), /ONNX inputs must be one tensor per column/);
  });

  it('capstan models import + predict + serve: the classifier and the regressor answer as onnxruntime computes', async () => {
    let r = cli(['models', 'import', write('clf.onnx', foreignClassifier()), '--name', 'foreign'], home);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /registered foreign:1 \(multiclass\)/);
    r = cli(['models', 'import', write('reg.onnx', foreignRegressor()), '--name', 'foreign-reg'], home);
    assert.equal(r.status, 0, r.stderr);
    r = cli(['models', 'import', write('bad.onnx', Uint8Array.of(0x0a, 0x05)), '--name', 'bad'], home);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /not an ONNX model/);
    // batch scoring from a CSV file
    const csv = write('rows.csv', Buffer.from('float_input_0,float_input_1,float_input_2\n0.1,0.9,0\n0.9,0.1,0\n0.9,0.9,0\n'));
    r = cli(['predict', '--model', 'foreign', '--input', csv, '--output', join(home, 'p.csv')], home);
    assert.equal(r.status, 0, r.stderr);
    const lines = readFileSync(join(home, 'p.csv'), 'utf8').trim().split('\n');
    assert.deepEqual(lines[0], 'prediction,proba_10,proba_20,proba_30,prediction_id');
    assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), ['10', '20', '30']);
    // the HTTP server: MLflow scoring and KServe V2, through onnxruntime
    const stores = await openStores(home);
    await approveChampion(stores.metadata, 'foreign', 1);
    await approveChampion(stores.metadata, 'foreign-reg', 1);
    const hooks = createServingHooks(null);
    const { server } = createApp({ models: new RegistryModelProvider(stores), stores, authenticate: null, serving: hooks });
    const url = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
    try {
      let res = await fetch(`${url}/invocations?model=foreign`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dataframe_split: { columns: ['float_input_0', 'float_input_1', 'float_input_2'], data: [[0.1, 0.9, 0], [0.9, 0.9, 0]] } }) });
      assert.equal(res.status, 200, await res.clone().text());
      const body = (await res.json()) as { predictions: string[]; probabilities: number[][] };
      assert.deepEqual(body.predictions, ['10', '30']);
      assert.deepEqual(body.probabilities[1], [0, 0, 1]);
      res = await fetch(`${url}/v2/models/foreign-reg/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ name: 'a', shape: [2], datatype: 'FP64', data: [1, 2] }, { name: 'b', shape: [2], datatype: 'FP64', data: [0.5, 4] }] }) });
      assert.equal(res.status, 200, await res.clone().text());
      const v2 = (await res.json()) as { outputs: { name: string; data: number[] }[] };
      assert.deepEqual(v2.outputs[0].data, [1.75, 0.25]);
      // a request the signature refuses is a 400 that names the field, as for every model
      res = await fetch(`${url}/invocations?model=foreign`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dataframe_records: [{ float_input_0: 1 }] }) });
      assert.equal(res.status, 400);
      assert.match(await res.text(), /missing columns float_input_1, float_input_2/);
    } finally {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      await hooks.close();
      await stores.metadata.close();
    }
  });

  it('a model Capstan exported comes back with its own signature (categories, classes)', async () => {
    const prep = prepareTarget(await readTable(TELCO), 'churn', 'auto');
    const model = await trainModel(prep.features, prep.y, prep.spec, inferFeatures(prep.features), { learner: 'gbdt', params: { n_estimators: 5 }, seed: 0 });
    const s = onnxSignature(readOnnx(exportOnnx(model)));
    assert.deepEqual(s.features, model.features);
    assert.deepEqual(s.target.classes, ['No', 'Yes']);
    assert.equal(s.target.task, 'binary');
  });
});
