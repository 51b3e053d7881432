import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quantilesOf } from './quantiles.ts';
import { Rng } from './random.ts';

/** The definition: sort, then interpolate linearly at (n - 1) q. */
function bySorting(values: Float64Array, qs: number[]): number[] {
  const s = values.filter((v) => !Number.isNaN(v)).sort();
  return qs.map((q) => {
    if (s.length === 0) return NaN;
    const pos = (s.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.min(s.length - 1, lo + 1);
    return s[lo] + (s[hi] - s[lo]) * (pos - lo);
  });
}

/** Equal up to the rounding of the interpolation formula (numpy's lerp versus the textbook one). */
function assertClose(got: number[], want: number[], label: string): void {
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) <= 1e-12 * Math.max(1, Math.abs(want[i])) || (Number.isNaN(g) && Number.isNaN(want[i])), `${label} q#${i}: ${g} vs ${want[i]}`));
}

const QS = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];

test('selection gives the sorted definition on random, tied, sorted and reversed arrays of every small size', () => {
  const rng = new Rng(7);
  for (let n = 0; n < 200; n++) {
    const shapes = [
      Float64Array.from({ length: n }, () => rng.next() * 100 - 50),
      Float64Array.from({ length: n }, () => Math.floor(rng.next() * 4)),
      Float64Array.from({ length: n }, (_, i) => i),
      Float64Array.from({ length: n }, (_, i) => n - i),
      Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? i : n - i)),
    ];
    for (const v of shapes) {
      const qs = [...QS, 0, 1, rng.next()];
      const want = bySorting(v, qs);
      assertClose(quantilesOf(v, qs), want, `n=${n}`);
    }
  }
});

test('large arrays of awkward shapes: skewed, tied, huge and tiny ranges, constant, with NaN', () => {
  const rng = new Rng(11);
  const n = 50_000;
  const shapes: Record<string, Float64Array> = {
    lognormal: Float64Array.from({ length: n }, () => Math.exp(10 * rng.next()) ** 3),
    outlier: Float64Array.from({ length: n }, (_, i) => (i === 7 ? 1e300 : rng.next())),
    huge: Float64Array.from({ length: n }, () => (rng.next() - 0.5) * 1.7e308),
    tiny: Float64Array.from({ length: n }, () => 1 + rng.next() * 1e-12),
    constant: new Float64Array(n).fill(3.25),
    ties: Float64Array.from({ length: n }, () => Math.floor(rng.next() * 3)),
    gappy: Float64Array.from({ length: n }, () => (rng.next() < 0.3 ? NaN : rng.next())),
  };
  for (const [name, v] of Object.entries(shapes)) {
    const copy = v.slice();
    assertClose(quantilesOf(v, QS), bySorting(v, QS), name);
    assert.deepEqual(v, copy, `${name}: input untouched`);
  }
});

test('quantiles in any order of q, of a large array with many ties, and NaN left out', () => {
  const rng = new Rng(3);
  const v = Float64Array.from({ length: 100_000 }, () => (rng.next() < 0.05 ? NaN : Math.round(rng.next() * 1000) / 10));
  const qs = [0.99, 0.5, 0.01, 0.75, 0.25];
  assertClose(quantilesOf(v, qs), bySorting(v, qs), 'ties');
  assert.deepEqual(quantilesOf(Float64Array.of(NaN, NaN), [0.5]), [NaN]);
  assert.deepEqual(quantilesOf(Float64Array.of(4, 1, 3, 2), [0.5, 0, 1]), [2.5, 1, 4]);
});
