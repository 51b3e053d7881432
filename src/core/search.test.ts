import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from './random.ts';
import { binOf, binsOf } from './search.ts';

describe('binsOf', () => {
  it('gives every value the bin a binary search gives, edges and their neighbours included, NaN as missing', () => {
    const rng = new Rng(3);
    for (const E of [0, 1, 5, 9, 40, 254]) {
      const edges = Float64Array.from({ length: E }, () => rng.next() * 100 - 50).sort();
      const values = new Float64Array(5000);
      for (let i = 0; i < values.length; i++) {
        const e = E > 0 ? edges[rng.int(E)] : 0;
        // values on an edge, a hair either side of it, far out, anywhere, missing
        values[i] = [e, e + 1e-12, e - 1e-12, 1e9 * (rng.next() - 0.5), rng.next() * 120 - 60, NaN][rng.int(6)];
      }
      const out = new Uint8Array(values.length);
      binsOf(values, edges, out, 255);
      values.forEach((v, i) => assert.equal(out[i], Number.isNaN(v) ? 255 : binOf(edges, v), `${E} edges, value ${v}`));
    }
  });
});
