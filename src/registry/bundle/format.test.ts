import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeStrings, numericColumn, type Table } from '../../core/table.ts';
import { ensembleModel, predictTable, trainModel } from '../../learn/index.ts';
import { inferFeatures } from '../../data/index.ts';
import { decodeBundle, encodeBundle } from './format.ts';

function table(): { t: Table; y: Float64Array } {
  const n = 300;
  const x = Float64Array.from({ length: n }, (_, i) => (i * 7919) % 100);
  const c = Array.from({ length: n }, (_, i) => ['red', 'green', 'blue'][i % 3]);
  const y = Float64Array.from({ length: n }, (_, i) => (x[i] > 50 !== (c[i] === 'blue') ? 1 : 0));
  return { t: { rows: n, columns: [numericColumn('x', x), encodeStrings('c', c)] }, y };
}

const { t, y } = table();
const model = await trainModel(t, y, { name: 'y', task: 'binary', classes: ['0', '1'] }, inferFeatures(t), { learner: 'gbdt', params: { n_estimators: 10, min_samples_leaf: 5 }, seed: 0 });
const bundle = encodeBundle(model, { metrics: { auc: 1 }, training: null, lineage: { runId: 'r' } });
const text = JSON.stringify(bundle.manifest);

describe('model bundle', () => {

  it('round-trips to identical predictions', () => {
    const back = decodeBundle(text, bundle.binary);
    assert.deepEqual(predictTable(back.model!, t).proba, predictTable(model, t).proba);
    assert.equal(back.manifest.signature.inputs[1].kind, 'categorical');
  });

  it('rejects tampered arrays, unknown versions and non-manifests', () => {
    const tampered = Buffer.from(bundle.binary);
    tampered[tampered.length - 1] ^= 1;
    assert.throws(() => decodeBundle(text, tampered), /does not match its recorded sha256/);
    assert.throws(() => decodeBundle(JSON.stringify({ ...bundle.manifest, formatVersion: 99 }), bundle.binary), /format version 99 is not supported/);
    assert.throws(() => decodeBundle('{"__proto__": 1}', bundle.binary), /not a Capstan model manifest/);
    assert.throws(() => decodeBundle('not json', bundle.binary), /not valid JSON/);
  });

  it('an ensemble (members with their own preprocessing) round-trips to identical predictions, averaged by weight', async () => {
    const linear = await trainModel(t, y, model.target, inferFeatures(t), { learner: 'linear', params: {}, seed: 0 });
    const ens = ensembleModel([{ weight: 3, model }, { weight: 1, model: linear }]);
    const p = predictTable(ens, t).proba!;
    const a = predictTable(model, t).proba!;
    const b = predictTable(linear, t).proba!;
    for (let i = 0; i < p.length; i++) assert.ok(Math.abs(p[i] - (0.75 * a[i] + 0.25 * b[i])) < 1e-12);
    const eb = encodeBundle(ens, { metrics: {}, training: null, lineage: { runId: 'r' } });
    const back = decodeBundle(JSON.stringify(eb.manifest), eb.binary);
    assert.deepEqual(predictTable(back.model!, t).proba, p);
    assert.deepEqual(back.model!.members?.map((m) => [m.model.learner.name, m.weight]), [['gbdt', 0.75], ['linear', 0.25]]);
    const broken = structuredClone(eb.manifest);
    broken.ensemble!.members[1].weight = -1;
    assert.throws(() => decodeBundle(JSON.stringify(broken), eb.binary), /ensemble member 1 is malformed/);
  });

  it('rejects array entries that point outside the file', () => {
    const m = structuredClone(bundle.manifest);
    m.arrays.entries[0].length = 1e9;
    assert.throws(() => decodeBundle(JSON.stringify(m), bundle.binary), /runs past the end/);
  });
});
