import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeStrings, numericColumn, type Table } from '../../core/table.ts';
import { denseColumnNames, encodeDense, fitDenseEncoder } from './dense-encoder.ts';

describe('dense encoder', () => {
  const cats = [...Array(20).fill('a'), ...Array(10).fill('b'), 'rare1', 'rare2'];
  const train: Table = { rows: 32, columns: [numericColumn('x', Float64Array.from({ length: 32 }, (_, i) => (i === 3 ? NaN : i))), encodeStrings('c', cats)] };
  const enc = fitDenseEncoder(train, [
    { name: 'x', kind: 'numeric', integer: true, min: 0, max: 31, missing: 1 },
    { name: 'c', kind: 'categorical', categories: ['a', 'b', 'rare1', 'rare2'], missing: 0 },
  ]);

  it('imputes the median with an indicator, standardises, one-hots with rare grouping', () => {
    assert.deepEqual(denseColumnNames(enc), ['x', 'x__missing', 'c=a', 'c=b', 'c=__rare__']);
    const X = encodeDense(enc, { rows: 3, columns: [numericColumn('x', Float64Array.of(NaN, 16, Infinity)), encodeStrings('c', ['b', 'rare2', 'never-seen'])] });
    const f = enc.features[0] as { median: number; mean: number; scale: number };
    assert.equal(f.median, 16);
    assert.equal(X.columns[0][0], (16 - f.mean) / f.scale);
    assert.deepEqual(Array.from(X.columns[1]), [1, 0, 1]);
    // an unseen category joins the rare column
    assert.deepEqual([X.columns[2][2], X.columns[3][2], X.columns[4][2]], [0, 0, 1]);
    assert.deepEqual([X.columns[3][0], X.columns[4][1]], [1, 1]);
  });
});
