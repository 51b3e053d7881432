import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeStrings, numericColumn, type Table } from '../core/table.ts';
import { prepareTarget } from './target.ts';

const table = (target: ReturnType<typeof encodeStrings> | ReturnType<typeof numericColumn>): Table => ({ rows: 4, columns: [numericColumn('x', Float64Array.of(1, 2, 3, 4)), target] });

describe('prepareTarget', () => {
  it('detects binary from two text classes and orders classes', () => {
    const t = prepareTarget(table(encodeStrings('y', ['Yes', 'No', 'Yes', null])), 'y', 'auto');
    assert.equal(t.spec.task, 'binary');
    assert.deepEqual(t.spec.classes, ['No', 'Yes']);
    assert.deepEqual(Array.from(t.y), [1, 0, 1]);
    assert.equal(t.droppedMissingTarget, 1);
  });

  it('treats many distinct numbers as regression', () => {
    assert.equal(prepareTarget(table(numericColumn('y', Float64Array.of(1.5, 2, 3, 7))), 'y', 'auto').spec.task, 'regression');
  });

  it('rejects a one-class target and an unknown column, naming them', () => {
    assert.throws(() => prepareTarget(table(encodeStrings('y', ['a', 'a', 'a', 'a'])), 'y', 'auto'), /target "y" has only one class \("a"\)/);
    assert.throws(() => prepareTarget(table(encodeStrings('y', ['a', 'b', 'a', 'b'])), 'churn', 'auto', 'f.csv'), /target column "churn" not found in f.csv \(columns: x, y\)/);
  });
});
