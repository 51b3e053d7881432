import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Table } from '../core/table.ts';
import { inferFeatures, prepareTarget } from '../data/index.ts';
import { guardrails } from './guardrails.ts';

function table(n: number, minority: number): Table {
  const y = Array.from({ length: n }, (_, i) => (i < minority ? 1 : 0));
  const noise = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
  return {
    rows: n,
    columns: [
      { kind: 'numeric', name: 'row_id', values: Float64Array.from({ length: n }, (_, i) => i + 1) },
      { kind: 'numeric', name: 'constant', values: new Float64Array(n).fill(3) },
      { kind: 'categorical', name: 'customer', codes: Int32Array.from({ length: n }, (_, i) => i), categories: Array.from({ length: n }, (_, i) => `c${i}`) },
      { kind: 'categorical', name: 'outcome_code', codes: Int32Array.from(y), categories: ['closed', 'churned'] },
      { kind: 'numeric', name: 'usage', values: noise },
      { kind: 'categorical', name: 'label', codes: Int32Array.from(y), categories: ['no', 'yes'] },
    ],
  };
}

describe('guardrails', () => {
  it('drops constant, identifier-like and leaking columns with a reason; reports imbalance', () => {
    const t = prepareTarget(table(400, 30), 'label', 'auto');
    const { features, report } = guardrails(t, inferFeatures(t.features), 5);
    assert.deepEqual(features.map((f) => f.name), ['usage']);
    const reasons = Object.fromEntries(report.dropped.map((d) => [d.column, d.reason]));
    assert.match(reasons.row_id, /row number/);
    assert.match(reasons.constant, /constant/);
    assert.match(reasons.customer, /identifier-like/);
    assert.match(reasons.outcome_code, /target leakage suspect/);
    assert.ok(report.warnings.some((w) => /class imbalance/.test(w)));
    assert.equal(report.folds, 5);
  });

  it('lowers the fold count when a class is smaller than it, and refuses a class of one row', () => {
    const t = prepareTarget(table(100, 3), 'label', 'auto');
    assert.equal(guardrails(t, inferFeatures(t.features), 5).report.folds, 3);
    const one = prepareTarget(table(100, 1), 'label', 'auto');
    assert.throws(() => guardrails(one, inferFeatures(one.features), 5), /has 1 row/);
  });

  it('counts duplicate rows', () => {
    const base = table(200, 50);
    const dup: Table = { rows: 400, columns: base.columns.map((c) => (c.kind === 'numeric' ? { ...c, values: Float64Array.from([...c.values, ...c.values]) } : { ...c, codes: Int32Array.from([...c.codes, ...c.codes]) })) };
    const t = prepareTarget(dup, 'label', 'auto');
    assert.equal(guardrails(t, inferFeatures(t.features), 5).report.duplicateRows, 200);
  });
});
