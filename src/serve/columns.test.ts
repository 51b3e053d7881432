import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FeatureSpec } from '../core/schema.ts';
import { categoryRemap, encodeStrings, numericColumn, remapMemo, type CategoricalColumn, type Table } from '../core/table.ts';
import { encodeTable, fitTreeEncoder } from '../learn/preprocess/tree-encoder.ts';
import { buildBaseline, binCounts } from '../stats/index.ts';
import { columnOf } from './columns.ts';

const plan: FeatureSpec = { name: 'plan', kind: 'categorical', categories: ['basic', 'gold', 'silver'], missing: 2 };
const strict: FeatureSpec = { ...plan, missing: 0 };

describe('columnOf (categorical)', () => {
  it("codes known values against the signature's own list (shared, nothing built per request)", () => {
    const col = columnOf(plan, ['silver', 'basic', null, '', 'silver']) as CategoricalColumn;
    assert.equal(col.categories, plan.categories);
    assert.deepEqual([...col.codes], [2, 0, -1, -1, 2]);
  });

  it('gives a request with an unseen value a list of its own, every value kept as sent', () => {
    const col = columnOf(plan, ['gold', 'platinum', 'basic', null, 7]) as CategoricalColumn;
    assert.notEqual(col.categories, plan.categories);
    assert.deepEqual([...col.codes].map((c) => (c < 0 ? null : col.categories[c])), ['gold', 'platinum', 'basic', null, '7']);
  });

  it('refuses what it refused before: missing where training had none, a non-string, naming the row', () => {
    assert.throws(() => columnOf(strict, ['gold', null]), /value 1 is missing/);
    assert.throws(() => columnOf(plan, ['gold', 'basic', { x: 1 }]), /value 2 is not a string/);
    assert.throws(() => columnOf(plan, ['nope', true]), /value 1 is not a string/);
  });

  it('encodes and counts drift the same whichever list the codes are against', () => {
    const train: Table = { rows: 6, columns: [encodeStrings('plan', ['gold', 'basic', 'silver', 'gold', 'basic', 'gold']), numericColumn('x', Float64Array.from([1, 2, 3, 4, 5, 6]))] };
    const specs: FeatureSpec[] = [plan, { name: 'x', kind: 'numeric', integer: false, min: 1, max: 6, missing: 0 }];
    const encoder = fitTreeEncoder(train, specs);
    const baseline = buildBaseline(train, specs)[0];
    const sent = ['silver', 'gold', null, 'basic', 'silver'];
    const shared = columnOf(plan, sent);
    const own = encodeStrings('plan', sent);
    assert.notEqual((own as CategoricalColumn).categories, plan.categories);
    const x = numericColumn('x', Float64Array.from([1, 2, 3, 4, 5]));
    assert.deepEqual(encodeTable(encoder, { rows: 5, columns: [shared, x] }).columns[0], encodeTable(encoder, { rows: 5, columns: [own, x] }).columns[0]);
    const a = new Float64Array(baseline.proportions.length);
    const b = new Float64Array(baseline.proportions.length);
    binCounts(baseline, shared, a);
    binCounts(baseline, own, b);
    assert.deepEqual(a, b);
  });
});

describe('categoryRemap', () => {
  it("maps one list's positions to another's (-1 where absent), once per pair, again after the list grows", () => {
    const from = ['b', 'z', 'a'];
    const to = ['a', 'b', 'c'];
    const r = categoryRemap(from, to);
    assert.deepEqual([...r], [1, -1, 0]);
    assert.equal(categoryRemap(from, to), r);
    from.push('c');
    assert.deepEqual([...categoryRemap(from, to)], [1, -1, 0, 2]);
    assert.deepEqual([...categoryRemap(from, ['z'])], [-1, 0, -1, -1]);
  });

  it("gives a caller's memo the remap of the pair it asks for, whichever pair it asked for before", () => {
    const memo = remapMemo();
    const to = ['a', 'b'];
    const x = ['b', 'a'];
    const y = ['a', 'q'];
    for (let i = 0; i < 2; i++) {
      assert.deepEqual([...categoryRemap(x, to, memo)], [1, 0]);
      assert.deepEqual([...categoryRemap(y, to, memo)], [0, -1]);
      assert.deepEqual([...categoryRemap(y, ['q'], memo)], [-1, 0]);
    }
    assert.equal(categoryRemap(y, ['q'], memo), memo.remap);
  });
});
