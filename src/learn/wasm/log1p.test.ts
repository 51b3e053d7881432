import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { END, F64, moduleOf } from './assembler.ts';
import { log1pCode, log1pLike } from './log1p.ts';

describe('log1pCode / log1pLike', () => {
  const values = [0, 1e-300, 1e-16, 1e-8, 0.001, 0.25, 0.5, Math.SQRT2 - 1, 0.75, 0.999999, 1];
  for (let i = 1; i <= 20_000; i++) values.push(Math.abs(Math.sin(i * 12.9898)), Math.exp(-i / 30));
  const wasm = new WebAssembly.Instance(moduleOf([{ name: 'log1p', params: [F64], results: [F64], locals: [[6, F64]], code: [...log1pCode(0, 1), END] }])).exports as { log1p: (u: number) => number };

  it('is within 4 units in the last place of Math.log1p on [0, 1]', () => {
    for (const u of values) {
      const want = Math.log1p(u);
      assert.ok(Math.abs(log1pLike(u) - want) <= 8.9e-16 * want, `log1p(${u}): ${log1pLike(u)} vs ${want}`);
    }
  });

  it('gives the same bits in WebAssembly and in JavaScript', () => {
    for (const u of values) assert.equal(Object.is(wasm.log1p(u), log1pLike(u)), true, `log1p(${u}): ${wasm.log1p(u)} vs ${log1pLike(u)}`);
  });
});
