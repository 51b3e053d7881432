import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { encodeStrings, numericColumn, type Table } from '../src/core/table.ts';
import { inferFeatures, prepareTarget, readTable } from '../src/data/index.ts';
import { predictTable, trainModel, type TabularModel } from '../src/learn/index.ts';
import { exportOnnx } from '../src/onnx/index.ts';
import { cli, ROOT, TELCO, tempHome } from './helpers.ts';

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

async function parity(file: string, target: string, learner: string, params: Record<string, number | string>): Promise<{ worst: number; labelsDiffer: number; rows: number }> {
  const prep = prepareTarget(await readTable(file), target, 'auto');
  const model = await trainModel(prep.features, prep.y, prep.spec, inferFeatures(prep.features), { learner, params, seed: 1 });
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
  const cases: [string, string, string, string, Record<string, number | string>][] = [
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
  ];
  for (const [label, file, target, learner, params] of cases) {
    it(`${learner}: ${label}`, async () => {
      const r = await parity(file, target, learner, params);
      assert.ok(r.worst <= 1e-5, `max absolute difference ${r.worst} over ${r.rows} rows`);
      assert.equal(r.labelsDiffer, 0);
    });
  }

  it('refuses what has no ONNX form, saying why', async () => {
    const prep = prepareTarget(await readTable(PENGUINS), 'species', 'auto');
    const knn = await trainModel(prep.features, prep.y, prep.spec, inferFeatures(prep.features), { learner: 'knn', params: {}, seed: 0 });
    assert.throws(() => exportOnnx(knn), /ONNX export: learner knn is not supported \(gbdt, forest and linear are\)/);
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
