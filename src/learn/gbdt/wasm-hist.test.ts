import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { Rng } from '../../core/random.ts';
import { buildHistogram } from './histogram.ts';
import { losses, TASK_CODE } from './loss.ts';
import { HistogramArena, type ShardRanges } from './wasm-hist.ts';

const whole = (start: number, end: number): ShardRanges => ({ starts: Int32Array.of(start), ends: Int32Array.of(end) });
const allFeatures = (F: number) => Int32Array.from({ length: F }, (_, f) => f);

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
    arena.build(h, whole(100, 4000));
    const expected = new Float64Array(F * 256);
    buildHistogram(expected, bins, F, arena.packed, arena.idx, 100, 4000, allFeatures(F), F, 1);
    assert.deepEqual(Array.from(h), Array.from(expected));
  });

  it('with slots of two (a minimum leaf size), also counts rows per bin, as the JavaScript kernel does', () => {
    const arena2 = HistogramArena.create(bins, rows, F, 2, 2)!;
    arena2.idx.set(arena.idx);
    arena2.packed.set(arena.packed);
    const h = arena2.hists[0];
    h.fill(0);
    arena2.build(h, whole(0, 3000));
    const expected = new Float64Array(F * 256 * 2);
    buildHistogram(expected, bins, F, arena2.packed, arena2.idx, 0, 3000, allFeatures(F), F, 2);
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
    a.build(h, whole(5, n));
    const expected = new Float64Array(wide * 256);
    buildHistogram(expected, wideBins, wide, a.packed, a.idx, 5, n, allFeatures(wide), wide, 1);
    assert.deepEqual(Array.from(h), Array.from(expected));
  });

  it('partitions stably: left rows first in their order, then right rows in theirs', () => {
    for (let i = 0; i < rows; i++) arena.idx[i] = i;
    const table = new Uint8Array(256);
    for (let b = 0; b < 100; b++) table[b] = 1;
    const before = Array.from(arena.idx.subarray(10, 2010));
    const mids = new Int32Array(1);
    arena.partition(3, table, whole(10, 2010), mids);
    const left = before.filter((r) => table[bins[r * F + 3]] === 1);
    const right = before.filter((r) => table[bins[r * F + 3]] === 0);
    assert.equal(mids[0], 10 + left.length);
    assert.deepEqual(Array.from(arena.idx.subarray(10, 2010)), [...left, ...right]);
  });

  it('takes the share of a pass that its helper has not started: the same answers, and no wait', async () => {
    const n = 16_384;
    const G = 4;
    const b = Uint8Array.from({ length: n * G }, () => rng.int(100));
    const solo = HistogramArena.create(b, n, G, 2, 1, 1, 1)!;
    const team = HistogramArena.create(b, n, G, 2, 1, 1, 2)!;
    try {
      for (let waited = 0; team.helpers() < 1; waited += 20) {
        assert.ok(waited < 20_000, 'helper thread did not start');
        await sleep(20);
      }
      // the helper stops: it still counts as started, so every pass is posted to it, and none is taken there
      team.close();
      await sleep(50);
      const hists = [solo, team].map((a) => {
        const root = { starts: new Int32Array(2 * a.parts), ends: new Int32Array(2 * a.parts) };
        a.setRows(null, root);
        a.packed.set(Float64Array.from({ length: n }, (_, i) => (i % 97) * 2 ** 20 + (i % 13)));
        const h = a.hists[0];
        h.fill(0);
        const t0 = performance.now();
        a.build(h, root);
        return { h: Array.from(h), ms: performance.now() - t0 };
      });
      assert.equal(team.parts, 2);
      assert.deepEqual(hists[1].h, hists[0].h);
      assert.ok(hists[1].ms < 1000, `the pass waited ${hists[1].ms} ms for a helper that had stopped`);
    } finally {
      solo.close();
    }
  });

  it('shares every pass with helper threads, each on its own shard of rows (held-out rows too), and answers as one thread does', async () => {
    const n = 20_000;
    // held-out rows after the training rows: partitioned and scored with them, never in a histogram
    const V = 3_001;
    const G = 5;
    const b = Uint8Array.from({ length: (n + V) * G }, () => rng.int(200));
    const solo = HistogramArena.create(b, n, G, 2, 2, 1, 1, V)!;
    const team = HistogramArena.create(b, n, G, 2, 2, 1, 3, V)!;
    try {
      assert.equal(team.parts, 3);
      for (let waited = 0; team.helpers() < 2; waited += 20) {
        assert.ok(waited < 20_000, 'helper threads did not start');
        await sleep(20);
      }
      const inBag = Uint8Array.from({ length: n }, () => (rng.next() < 0.8 ? 1 : 0));
      const roots = [solo, team].map((a) => {
        a.y.set(Float64Array.from({ length: n + V }, (_, i) => i % 2));
        a.scores.set(Float64Array.from({ length: n + V }, () => rng.next() * 4 - 2));
        a.dither.set(Float64Array.from({ length: n }, (_, i) => (i * 0.37) % 1));
        const root = { starts: new Int32Array(2 * a.parts), ends: new Int32Array(2 * a.parts) };
        return { count: a.setRows(inBag, root), root };
      });
      team.scores.set(solo.scores);
      assert.equal(roots[1].count, roots[0].count);
      const rowsOf = (a: HistogramArena, r: ShardRanges) => Array.from(r.starts).flatMap((s, p) => Array.from(a.idx.subarray(s, r.ends[p])));
      assert.deepEqual(rowsOf(team, roots[1].root), rowsOf(solo, roots[0].root));
      for (const a of [solo, team]) a.gradients(TASK_CODE.binary, 1, 0);
      assert.deepEqual(team.gh, solo.gh);
      assert.deepEqual(team.maxima(), solo.maxima());
      assert.equal(team.quantize(0.3, 1000, 1000, 2 ** 30), solo.quantize(0.3, 1000, 1000, 2 ** 30));
      assert.deepEqual(team.packed, solo.packed);
      const hists = [solo, team].map((a, i) => {
        const h = a.hists[0];
        h.fill(0);
        a.build(h, roots[i].root);
        return Array.from(h);
      });
      assert.deepEqual(hists[1], hists[0]);
      // feature 0's row counts add up to the tree's training rows: no held-out row counted
      assert.equal(hists[0].filter((_, i) => i % 2 === 1 && i < 512).reduce((x, y) => x + y, 0), roots[0].count);
      const table = new Uint8Array(256).fill(1, 0, 90);
      const sides = [solo, team].map((a, i) => {
        const mids = new Int32Array(2 * a.parts);
        a.partition(2, table, roots[i].root, mids);
        const left = { starts: roots[i].root.starts, ends: mids };
        const right = { starts: mids, ends: roots[i].root.ends };
        a.addLeaves([{ ...left, value: 0.5 }, { ...right, value: -0.25 }], 0, 1);
        return { left: rowsOf(a, left), right: rowsOf(a, right), sums: a.sums(left) };
      });
      assert.deepEqual(sides[1], sides[0]);
      assert.ok(sides[0].left.length > 0 && sides[0].right.length > 0);
      const heldLeft = sides[0].left.filter((r) => r >= n);
      assert.deepEqual(heldLeft, Array.from({ length: V }, (_, i) => n + i).filter((r) => table[b[r * G + 2]] === 1));
      assert.deepEqual(team.scores, solo.scores);
      // the held-out rows' mean log-loss, from their scores after the leaves were added
      let expected = 0;
      for (let r = n; r < n + V; r++) {
        const p = 1 / (1 + Math.exp(-solo.scores[r]));
        expected -= Math.log(r % 2 === 1 ? p : 1 - p);
      }
      const meanLoss = (a: HistogramArena) => a.validationLosses(TASK_CODE.binary, 1).reduce((x, y) => x + y, 0) / V;
      assert.equal(meanLoss(team), meanLoss(solo));
      assert.ok(Math.abs(meanLoss(solo) - expected / V) < 1e-12);
      // the arena's log-loss kernel gives the JavaScript kernels' bits
      const js = new Float64Array(V);
      losses(TASK_CODE.binary, solo.y, solo.raw, 1, js, n, n, n + V);
      assert.deepEqual(solo.validationLosses(TASK_CODE.binary, 1), js);
    } finally {
      solo.close();
      team.close();
    }
  });
});
