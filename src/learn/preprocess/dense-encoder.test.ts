import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeStrings, numericColumn, type Table } from '../../core/table.ts';
import type { FeatureSpec } from '../../core/schema.ts';
import { DENSE_DEFAULTS, denseColumnNames, encodeDense, fitDense } from './dense-encoder.ts';

const cats = [...Array(20).fill('a'), ...Array(10).fill('b'), 'rare1', 'rare2'];
const train: Table = { rows: 32, columns: [numericColumn('x', Float64Array.from({ length: 32 }, (_, i) => (i === 3 ? NaN : i))), encodeStrings('c', cats)] };
const specs: FeatureSpec[] = [
  { name: 'x', kind: 'numeric', integer: true, min: 0, max: 31, missing: 1 },
  { name: 'c', kind: 'categorical', categories: ['a', 'b', 'rare1', 'rare2'], missing: 0 },
];
const y = Float64Array.from(cats, (c) => (c === 'a' ? 1 : 0));
const target = { y, task: 'binary' as const, nClasses: 2, seed: 0 };

describe('dense encoder', () => {
  it('imputes the median with an indicator, standardises, one-hots with rare grouping', () => {
    const { encoder: enc } = fitDense(train, specs, DENSE_DEFAULTS, target);
    assert.deepEqual(denseColumnNames(enc), ['x', 'x__missing', 'c=a', 'c=b', 'c=__rare__']);
    const X = encodeDense(enc, { rows: 3, columns: [numericColumn('x', Float64Array.of(NaN, 16, Infinity)), encodeStrings('c', ['b', 'rare2', 'never-seen'])] });
    const f = enc.features[0] as { fill: number; center: number; scale: number };
    assert.equal(f.fill, 16);
    assert.equal(X.columns[0][0], (16 - f.center) / f.scale);
    assert.deepEqual(Array.from(X.columns[1]), [1, 0, 1]);
    // an unseen category joins the rare column
    assert.deepEqual([X.columns[2][2], X.columns[3][2], X.columns[4][2]], [0, 0, 1]);
    assert.deepEqual([X.columns[3][0], X.columns[4][1]], [1, 1]);
  });

  it('robust scaling centres on the median and divides by the IQR; constant imputation fills 0', () => {
    const { encoder } = fitDense(train, specs, { ...DENSE_DEFAULTS, scaler: 'robust', impute: 'constant' }, target);
    const f = encoder.features[0] as { fill: number; center: number; scale: number };
    assert.equal(f.fill, 0);
    // filled values 0..31 with row 3 -> 0: median 15.5, IQR 23.25 - 7.75
    assert.equal(f.center, 15.5);
    assert.equal(f.scale, 23.25 - 7.75);
  });

  it('target encoding is out-of-fold on training rows and uses all rows for serving', () => {
    const { encoder, X } = fitDense(train, specs, { ...DENSE_DEFAULTS, categorical: 'target' }, target);
    assert.deepEqual(denseColumnNames(encoder), ['x', 'x__missing', 'c__target']);
    const f = encoder.features[1] as { categories: string[]; values: number[][]; prior: number[] };
    // category 'a' is always 1: smoothed (20 + prior*10) / (20 + 10)
    const prior = 20 / 32;
    assert.ok(Math.abs(f.values[f.categories.indexOf('a')][0] - (20 + prior * 10) / 30) < 1e-12);
    // training rows got fold-held-out values, which differ from the serving mapping
    const serving = encodeDense(encoder, train).columns[2];
    assert.notDeepEqual(Array.from(X.columns[2]), Array.from(serving));
    assert.equal(encodeDense(encoder, { rows: 1, columns: [numericColumn('x', Float64Array.of(1)), encodeStrings('c', ['zzz'])] }).columns[2][0], f.prior[0]);
  });
});
