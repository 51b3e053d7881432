import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pickRoute, type TrafficSpec } from './traffic.ts';

const SPLIT: TrafficSpec = { routes: [{ version: 1, weight: 80 }, { version: 2, weight: 20 }] };

/** P(X <= k) for X ~ Binomial(n, p). */
function binomialCdf(k: number, n: number, p: number): number {
  let term = (1 - p) ** n;
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += term;
    term *= ((n - i) / (i + 1)) * (p / (1 - p));
  }
  return sum;
}

/** The counts of a Binomial(n, p) outside which each tail holds less than `tail`. */
function bounds(n: number, p: number, tail = 1e-4): [number, number] {
  let lo = 0;
  while (binomialCdf(lo, n, p) < tail) lo++;
  let hi = n;
  while (1 - binomialCdf(hi - 1, n, p) < tail) hi--;
  return [lo, hi];
}

const minority = (keys: string[]) => keys.filter((k) => 'version' in pickRoute(SPLIT, k) && (pickRoute(SPLIT, k) as { version: number }).version === 2).length;
const letters = (i: number) => (i < 26 ? '' : String.fromCharCode(97 + Math.floor(i / 26) - 1)) + String.fromCharCode(97 + (i % 26));

describe('sticky routing', () => {
  it('sticky routing is biased: runs of 30 sequential keys land within binomial bounds of an 80/20 split', () => {
    const [lo, hi] = bounds(30, 0.2);
    const families: [string, (i: number) => string][] = [['user', (i) => `user${i + 1}`], ['letters', letters], ['numbers', (i) => String(i)], ['k', (i) => `k${1000 + i}`]];
    for (const [family, key] of families) {
      for (let start = 0; start < 600; start += 30) {
        const n = minority(Array.from({ length: 30 }, (_, i) => key(start + i)));
        assert.ok(n >= lo && n <= hi, `${family} keys ${key(start)}..${key(start + 29)}: ${n} of 30 on the 20% route (bounds ${lo}-${hi})`);
      }
    }
    // and in aggregate: k1000..k1200 put 100 of 201 on the 20% route with FNV-1a's top bits
    const [alo, ahi] = bounds(201, 0.2);
    const n = minority(Array.from({ length: 201 }, (_, i) => `k${1000 + i}`));
    assert.ok(n >= alo && n <= ahi, `${n} of 201`);
  });

  it('a key keeps its route while the split is unchanged, and a split with one live route sends every key there', () => {
    for (let i = 0; i < 1000; i++) assert.deepEqual(pickRoute(SPLIT, `user${i}`), pickRoute(SPLIT, `user${i}`));
    const one: TrafficSpec = { routes: [{ version: 1, weight: 0 }, { alias: 'champion', weight: 5 }] };
    for (let i = 0; i < 100; i++) assert.deepEqual(pickRoute(one, `k${i}`), { alias: 'champion', weight: 5 });
  });

  it('without a key, the draw decides', () => {
    assert.equal((pickRoute(SPLIT, undefined, () => 0.79) as { version: number }).version, 1);
    assert.equal((pickRoute(SPLIT, '', () => 0.81) as { version: number }).version, 2);
  });
});
