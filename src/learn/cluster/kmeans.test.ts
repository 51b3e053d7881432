import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../core/random.ts';
import { kMeans, silhouette } from './kmeans.ts';

function blobs(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const centers = [[0, 0], [10, 10], [0, 10]];
  const A = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    const c = centers[i % 3];
    A[2 * i] = c[0] + rng.next() - 0.5;
    A[2 * i + 1] = c[1] + rng.next() - 0.5;
  }
  return A;
}

describe('kMeans', () => {
  it('recovers well-separated blobs and silhouette prefers the true k', () => {
    const A = blobs(300, 1);
    const r = kMeans(A, 300, 2, 3, { seed: 0 });
    for (let i = 3; i < 300; i++) assert.equal(r.labels[i], r.labels[i % 3]);
    const s3 = silhouette(A, 300, 2, r.labels);
    const s2 = silhouette(A, 300, 2, kMeans(A, 300, 2, 2, { seed: 0 }).labels);
    assert.ok(s3 > 0.9 && s3 > s2, `silhouette k=3 ${s3}, k=2 ${s2}`);
  });

  it('is deterministic for a seed and rejects k larger than the rows', () => {
    const A = blobs(60, 2);
    assert.deepEqual(kMeans(A, 60, 2, 3, { seed: 4 }).centers, kMeans(A, 60, 2, 3, { seed: 4 }).centers);
    assert.throws(() => kMeans(A, 2, 2, 3, { seed: 0 }), /n_clusters=3 needs at least 3 rows/);
  });
});
