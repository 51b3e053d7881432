import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FeatureSpec } from '../core/schema.ts';
import { cellValue, columnByName, type Table } from '../core/table.ts';
import { parseScoringRequest } from './mlflow-scoring.ts';
import { parseInferRequest } from './v2.ts';
import { warmUpRequests } from './warm-up.ts';

const signature: FeatureSpec[] = [
  { name: 'tenure', kind: 'numeric', integer: true, min: 0, max: 72, missing: 0 },
  { name: 'charges', kind: 'numeric', integer: false, min: 18.25, max: 118.75, missing: 0 },
  { name: 'signed_up', kind: 'numeric', integer: true, datetime: true, min: 1.5e12, max: 1.7e12, missing: 0 },
  { name: 'contract', kind: 'categorical', categories: ['Month-to-month', 'One year', 'Two year'], missing: 0 },
];

describe('warm-up requests', () => {
  const requests = warmUpRequests('churn model', signature);
  const tables: Table[] = requests.map((r) => (r.path === '/invocations' ? parseScoringRequest(JSON.parse(r.body), signature) : parseInferRequest(JSON.parse(r.body), signature).table));

  it('are valid requests of both protocols for the model, one-row and batch', () => {
    assert.deepEqual(new Set(requests.map((r) => r.path)), new Set(['/invocations', '/v2/models/churn%20model/infer']));
    assert.ok(tables.some((t) => t.rows === 1) && tables.some((t) => t.rows > 1));
  });

  it('spread values over each numeric range (integers stay integers) and take every category', () => {
    for (const f of signature) {
      const values = tables.flatMap((t) => Array.from({ length: t.rows }, (_, r) => cellValue(columnByName(t, f.name)!, r)));
      assert.ok(!values.includes(null), `${f.name}: no missing values`);
      if (f.kind === 'categorical') assert.deepEqual(new Set(values), new Set(f.categories));
      else {
        const nums = values as number[];
        assert.equal(Math.min(...nums), f.min);
        assert.equal(Math.max(...nums), f.max);
        if (f.integer) assert.ok(nums.every(Number.isInteger), f.name);
        assert.ok(new Set(nums).size > 4, `${f.name}: several values`);
      }
    }
  });
});
