import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeStrings, numericColumn, type Table } from '../../core/table.ts';
import { predictTable, trainModel } from '../../learn/index.ts';
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
const bundle = encodeBundle(model, { metrics: { auc: 1 }, baseline: [], lineage: { runId: 'r' } });
const text = JSON.stringify(bundle.manifest);

describe('model bundle', () => {

  it('round-trips to identical predictions', () => {
    const back = decodeBundle(text, bundle.binary);
    assert.deepEqual(predictTable(back.model, t).proba, predictTable(model, t).proba);
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

  it('rejects array entries that point outside the file', () => {
    const m = structuredClone(bundle.manifest);
    m.arrays.entries[0].length = 1e9;
    assert.throws(() => decodeBundle(JSON.stringify(m), bundle.binary), /runs past the end/);
  });
});
