import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../core/random.ts';
import { buildHistogram } from './histogram.ts';
import { HistogramArena } from './wasm-hist.ts';

describe('WebAssembly histogram arena', () => {
  const rows = 5000;
  const F = 7;
  const rng = new Rng(9);
  const bins = Uint8Array.from({ length: rows * F }, () => rng.int(256));
  const arena = HistogramArena.create(bins, rows, F, 4)!;

  it('builds the histogram the JavaScript kernel builds, bit for bit', () => {
    for (let i = 0; i < rows; i++) {
      arena.idx[i] = (i * 7919) % rows;
      arena.packed[i] = Math.floor(rng.next() * 1e6) * 2 ** 20 + rng.int(1000);
    }
    const h = arena.hists[0];
    h.fill(0);
    arena.build(h, 100, 4000);
    const expected = new Float64Array(F * 256);
    buildHistogram(expected, bins, F, arena.packed, arena.idx, 100, 4000, Int32Array.from({ length: F }, (_, f) => f), F, 1);
    assert.deepEqual(Array.from(h), Array.from(expected));
  });

  it('with slots of two (a minimum leaf size), also counts rows per bin, as the JavaScript kernel does', () => {
    const arena2 = HistogramArena.create(bins, rows, F, 2, 2)!;
    arena2.idx.set(arena.idx);
    arena2.packed.set(arena.packed);
    const h = arena2.hists[0];
    h.fill(0);
    arena2.build(h, 0, 3000);
    const expected = new Float64Array(F * 256 * 2);
    buildHistogram(expected, bins, F, arena2.packed, arena2.idx, 0, 3000, Int32Array.from({ length: F }, (_, f) => f), F, 2);
    assert.deepEqual(Array.from(h), Array.from(expected));
    assert.equal(h.filter((_, i) => i % 2 === 1 && i < 512).reduce((a, b) => a + b, 0), 3000);
  });

  it('with more features than it unrolls, the looping kernel builds the same histogram', () => {
    const wide = 600;
    const n = 300;
    const wideBins = Uint8Array.from({ length: n * wide }, () => rng.int(256));
    const a = HistogramArena.create(wideBins, n, wide, 1)!;
    for (let i = 0; i < n; i++) {
      a.idx[i] = n - 1 - i;
      a.packed[i] = rng.int(1 << 20);
    }
    const h = a.hists[0];
    h.fill(0);
    a.build(h, 5, n);
    const expected = new Float64Array(wide * 256);
    buildHistogram(expected, wideBins, wide, a.packed, a.idx, 5, n, Int32Array.from({ length: wide }, (_, f) => f), wide, 1);
    assert.deepEqual(Array.from(h), Array.from(expected));
  });

  it('partitions stably: left rows first in their order, then right rows in theirs', () => {
    for (let i = 0; i < rows; i++) arena.idx[i] = i;
    const table = new Uint8Array(256);
    for (let b = 0; b < 100; b++) table[b] = 1;
    const before = Array.from(arena.idx.subarray(10, 2010));
    const mid = arena.partition(3, table, 10, 2010);
    const left = before.filter((r) => table[bins[r * F + 3]] === 1);
    const right = before.filter((r) => table[bins[r * F + 3]] === 0);
    assert.equal(mid, 10 + left.length);
    assert.deepEqual(Array.from(arena.idx.subarray(10, 2010)), [...left, ...right]);
  });
});
