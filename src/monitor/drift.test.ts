import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../core/random.ts';
import { encodeStrings, numericColumn, type Table } from '../core/table.ts';
import { buildBaseline, psi } from '../stats/index.ts';
import { DriftMonitor } from './drift.ts';

function sample(n: number, shift: number, seed: number): Table {
  const rng = new Rng(seed);
  const x = Float64Array.from({ length: n }, () => rng.next() + shift);
  const c = Array.from({ length: n }, () => (rng.next() < 0.7 - shift ? 'a' : 'b'));
  return { rows: n, columns: [numericColumn('x', x), encodeStrings('c', c)] };
}

describe('drift', () => {
  const features = [
    { name: 'x', kind: 'numeric' as const, integer: false, min: 0, max: 1, missing: 0 },
    { name: 'c', kind: 'categorical' as const, categories: ['a', 'b'], missing: 0 },
  ];
  const baseline = buildBaseline(sample(5000, 0, 1), features);

  it('psi is 0 for identical distributions', () => {
    assert.equal(psi([0.2, 0.8], [0.2, 0.8]), 0);
  });

  it('same distribution stays stable; a shifted one is flagged', () => {
    const same = new DriftMonitor(baseline);
    same.add(sample(2000, 0, 2));
    assert.deepEqual(same.report().drifted, []);
    const moved = new DriftMonitor(baseline);
    moved.add(sample(2000, 0.4, 3));
    const r = moved.report();
    assert.deepEqual(r.drifted, ['x', 'c']);
    assert.equal(r.features[0].status, 'major');
  });

  it('counts unseen categories and missing values in their own bins', () => {
    const m = new DriftMonitor(baseline);
    m.add({ rows: 2, columns: [numericColumn('x', Float64Array.of(NaN, NaN)), encodeStrings('c', ['zzz', null])] });
    assert.deepEqual(m.report().drifted.sort(), ['c', 'x']);
  });
});
