import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../core/random.ts';
import { suggest, type Scored } from './tpe.ts';
import type { Dist } from './space.ts';

const space: Record<string, Dist> = {
  x: { kind: 'float', low: 0, high: 1 },
  lr: { kind: 'float', low: 1e-4, high: 1, log: true },
  k: { kind: 'int', low: 1, high: 100, log: true },
  c: { kind: 'choice', values: ['a', 'b', 'c', 'd'] },
};
// best at x = 0.3, lr = 0.01, k = 10, c = 'c'
const f = (p: Record<string, number | string>) => -(((p.x as number) - 0.3) ** 2) - (Math.log10(p.lr as number) + 2) ** 2 / 4 - (Math.log10(p.k as number) - 1) ** 2 / 4 - (p.c === 'c' ? 0 : 0.3);

function bestAfter(n: number, seed: number, startup: number): number {
  const rng = new Rng(seed);
  const h: Scored[] = [];
  for (let i = 0; i < n; i++) {
    const params = suggest(space, h, rng, { startup });
    h.push({ params, score: f(params) });
  }
  return Math.max(...h.map((x) => x.score));
}

describe('TPE', () => {
  it('stays inside the space: ints are integers in range, choices are values', () => {
    const rng = new Rng(1);
    const h: Scored[] = [];
    for (let i = 0; i < 30; i++) {
      const p = suggest(space, h, rng);
      assert.ok((p.x as number) >= 0 && (p.x as number) <= 1 && (p.lr as number) >= 1e-4 && (p.lr as number) <= 1);
      assert.ok(Number.isInteger(p.k) && (p.k as number) >= 1 && (p.k as number) <= 100);
      assert.ok(['a', 'b', 'c', 'd'].includes(p.c as string));
      h.push({ params: p, score: f(p) });
    }
  });

  it('is deterministic for a seed', () => {
    assert.equal(bestAfter(25, 7, 5), bestAfter(25, 7, 5));
  });

  it('finds better points than random search with the same number of trials (8 seeds)', () => {
    let tpe = 0;
    let random = 0;
    for (let seed = 0; seed < 8; seed++) {
      tpe += bestAfter(40, seed, 8);
      random += bestAfter(40, seed, 1000);
    }
    assert.ok(tpe > random, `TPE mean best ${tpe / 8} vs random ${random / 8}`);
  });
});
