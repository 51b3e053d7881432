import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../core/random.ts';
import { quantileEdges } from './baseline.ts';

/** The definition: decile positions of a sorted copy, ties merged, the top value never an edge. */
function bySorting(values: Float64Array): number[] {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort();
  const edges: number[] = [];
  for (let q = 1; q < 10 && sorted.length > 0; q++) {
    const e = sorted[Math.min(sorted.length - 1, Math.floor((q / 10) * sorted.length))];
    if ((edges.length === 0 || e > edges[edges.length - 1]) && e < sorted[sorted.length - 1]) edges.push(e);
  }
  return edges;
}

describe('quantileEdges', () => {
  it('gives the decile edges of a sorted copy, for any size, ties, missing values, constants and skew', () => {
    const rng = new Rng(3);
    const kinds: Record<string, () => number> = {
      uniform: () => rng.next(),
      ties: () => rng.int(3),
      missing: () => (rng.next() < 0.3 ? NaN : rng.next()),
      constant: () => 7,
      skewed: () => Math.exp(20 * rng.next()),
    };
    for (const n of [0, 1, 2, 5, 9, 10, 11, 100, 5000, 50_000])
      for (const [kind, draw] of Object.entries(kinds)) {
        const values = Float64Array.from({ length: n }, draw);
        assert.deepEqual(quantileEdges(values), bySorting(values), `${n} values, ${kind}`);
      }
  });
});
