import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { chiSquaredSf, kolmogorovSf } from './distributions.ts';
import { chiSquaredTwoSample, jensenShannon, ksTwoSample, stdDev, wasserstein } from './two-sample.ts';

// reference values from scipy 1.10 (Debian's python3-scipy) on the same samples:
//   a = [((i*7919) % 1000)/37 for i in range(500)], b = [((i*104729) % 997)/31 + 0.5 for i in range(300)]
const a = Float64Array.from({ length: 500 }, (_, i) => ((i * 7919) % 1000) / 37).sort();
const b = Float64Array.from({ length: 300 }, (_, i) => ((i * 104729) % 997) / 31 + 0.5).sort();
const close = (x: number, y: number, rel = 1e-12) => assert.ok(Math.abs(x - y) <= rel * Math.max(1, Math.abs(y)), `${x} vs ${y}`);

test('the KS statistic equals scipy ks_2samp; its p-value is near scipy asymptotic one', () => {
  const r = ksTwoSample(a, b);
  close(r.statistic, 0.17333333333333334);
  // scipy's asymp method uses the exact one-sample distribution at round(en); Kolmogorov's limit with Stephens' correction here
  assert.ok(r.pValue > 1e-5 && r.pValue < 4e-5, String(r.pValue));
  assert.equal(ksTwoSample(a, a).statistic, 0);
});

test('the Wasserstein distance equals scipy wasserstein_distance, the spread numpy std', () => {
  close(wasserstein(a, b), 2.6610374891020054);
  close(stdDev(a), 7.81372105140064);
  assert.equal(wasserstein(a, a), 0);
  // a single shared value on each side: the distance is the gap
  close(wasserstein(Float64Array.of(1), Float64Array.of(4)), 3);
});

test('the chi-squared homogeneity test equals scipy chi2_contingency (no Yates correction), empty categories left out', () => {
  const r = chiSquaredTwoSample([120, 80, 40, 10, 0], [30, 40, 30, 5, 7]);
  close(r.statistic, 29.041265306122447);
  close(r.pValue, 7.667941396553032e-6, 1e-9);
  assert.equal(r.dof, 4);
  assert.equal(chiSquaredTwoSample([5, 0], [3, 0]).pValue, 1);
});

test('the Jensen-Shannon distance equals scipy jensenshannon (natural log)', () => {
  close(jensenShannon([120, 80, 40, 10, 0], [30, 40, 30, 5, 7]), 0.21061444741245358);
  assert.equal(jensenShannon([1, 2], [2, 4]), 0);
});

test('tail probabilities equal scipy chi2.sf and kstwobign.sf', () => {
  close(chiSquaredSf(3.5, 1), 0.0613688291394023, 1e-12);
  close(chiSquaredSf(40, 7), 1.258790387371308e-6, 1e-11);
  close(chiSquaredSf(1200.5, 900), 6.177212413039574e-11, 1e-9);
  close(kolmogorovSf(0.5), 0.9639452436648751, 1e-12);
  close(kolmogorovSf(1.36), 0.049485876755377876, 1e-12);
});
