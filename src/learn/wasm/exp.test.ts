import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { END, F64, get, moduleOf, set, simd, V, V128 } from './assembler.ts';
import { EXP_X2_LOCALS, expCode, expCodeX2, expConstantsX2, expLike } from './exp.ts';

describe('expCode / expLike', () => {
  const values = [0, -0, 1e-300, -1e-300, 0.5, -0.5, 1, -1, Math.LN2 / 2, -Math.LN2 / 2, 3.5 * Math.LN2, -2.5 * Math.LN2, 20, -20, 300, -300, 700, -700];
  // x with x * log2(e) exactly half-way between two integers, where Math.round and f64.nearest differ
  const bits = new BigInt64Array(1);
  const f = new Float64Array(bits.buffer);
  let ties = 0;
  for (let j = -40; j <= 40; j++) {
    f[0] = (j + 0.5) / Math.LOG2E;
    const start = bits[0];
    for (let d = -64n; d <= 64n; d++) {
      bits[0] = start + d;
      if (f[0] * 1.4426950408889634 === j + 0.5) {
        values.push(f[0]);
        ties++;
      }
    }
  }
  for (let i = 0; i < 20_000; i++) values.push(Math.sin(i * 12.9898) * 40, Math.sin(i * 78.233) * 700);
  const wasm = new WebAssembly.Instance(moduleOf([{ name: 'exp', params: [F64], results: [F64], locals: [[4, F64]], code: [...expCode(0, 1, 2), END] }])).exports as { exp: (x: number) => number };

  it('is within 4 units in the last place of Math.exp over the range it serves', () => {
    for (const x of values) {
      const want = Math.exp(x);
      assert.ok(Math.abs(expLike(x) - want) <= 8.9e-16 * want, `exp(${x}): ${expLike(x)} vs ${want}`);
    }
  });

  it('gives the same bits in WebAssembly and in JavaScript, ties of the rounding included', () => {
    assert.ok(ties >= 10, `only ${ties} half-way cases found`);
    for (const x of values) assert.equal(Object.is(wasm.exp(x), expLike(x)), true, `exp(${x}): ${wasm.exp(x)} vs ${expLike(x)}`);
  });

  it('gives the same bits in both lanes of its vector form', () => {
    // x2(at): the two doubles at byte `at` of the module's memory replaced by their exp
    const module = moduleOf([{ name: 'x2', params: 1, results: 0, locals: [[5 + EXP_X2_LOCALS, V128]], code: [...expConstantsX2(6), ...get(0), ...get(0), ...simd(V.load), 3, 0, ...set(1), ...expCodeX2(1, 2, 3, 6), ...simd(V.store), 3, 0, END] }]);
    const { x2, mem } = new WebAssembly.Instance(module).exports as { x2: (at: number) => void; mem: WebAssembly.Memory };
    const lanes = new Float64Array(mem.buffer, 0, 2);
    for (let j = 0; j + 1 < values.length; j += 2) {
      lanes.set([values[j], values[j + 1]]);
      x2(0);
      assert.equal(Object.is(lanes[0], expLike(values[j])) && Object.is(lanes[1], expLike(values[j + 1])), true, `exp(${values[j]}), exp(${values[j + 1]})`);
    }
  });

  it('saturates past +-700 instead of overflowing', () => {
    assert.equal(expLike(1e6), expLike(700));
    assert.equal(expLike(-1e6), expLike(-700));
    assert.ok(Number.isFinite(expLike(1e6)) && expLike(-1e6) > 0);
  });
});
