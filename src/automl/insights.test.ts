import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rocAuc } from '../learn/metrics/index.ts';
import { insightPlan, insightSeconds, predictionInsights } from './insights.ts';
import type { Candidate } from './search.ts';

describe('prediction insights', () => {
  const n = 1000;
  const p = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % n) / n);
  // a calibrated score: class 1 with probability p (deterministic pseudo-random draw)
  const y = Float64Array.from(p, (v, i) => (((i * 104729) % 1000) / 1000 < v ? 1 : 0));
  const out = new Float64Array(2 * n);
  p.forEach((v, i) => {
    out[2 * i] = 1 - v;
    out[2 * i + 1] = v;
  });
  const r = predictionInsights({ name: 'y', task: 'binary', classes: ['0', '1'] }, y, out);

  it('ROC runs from (0,0) to (1,1) and its area matches roc_auc', () => {
    const { fpr, tpr } = r.roc!;
    assert.deepEqual([fpr[0], tpr[0], fpr[fpr.length - 1], tpr[tpr.length - 1]], [0, 0, 1, 1]);
    let area = 0;
    for (let i = 1; i < fpr.length; i++) area += ((fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1])) / 2;
    assert.ok(Math.abs(area - rocAuc(y, p)) < 0.01, `${area} vs ${rocAuc(y, p)}`);
  });

  it('lift falls from the top decile to the bottom; calibration of a calibrated score is near the diagonal', () => {
    const lift = r.lift!;
    assert.equal(lift.length, 10);
    assert.ok(lift[0].lift > 1.5 && lift[9].lift < 0.5, JSON.stringify(lift.map((l) => l.lift)));
    for (const b of r.calibration!) assert.ok(Math.abs(b.meanPredicted - b.fractionPositive) < 0.1, JSON.stringify(b));
    assert.equal(r.confusion!.matrix.flat().reduce((a, b) => a + b, 0), n);
  });

  it('regression: residual summary and a lift chart over predicted values', () => {
    const yv = Float64Array.from({ length: 100 }, (_, i) => i);
    const pv = Float64Array.from(yv, (v) => v + 2);
    const rr = predictionInsights({ name: 'y', task: 'regression' }, yv, pv);
    assert.equal(rr.residuals!.rmse, 2);
    assert.equal(rr.residuals!.mae, 2);
    assert.equal(rr.lift!.length, 10);
  });
});

describe('the insights within the budget', () => {
  // a member whose fold fits took 2 s and whose predictions take 1 ms per row (k-NN-like), 16 features, 4000 held-out rows
  const c: Candidate = { id: 0, learner: 'knn', params: {}, foldScores: [1, 1, 1, 1, 1], cvMean: 1, cvStd: 0, fitSeconds: 10, predictSeconds: 16, predictedRows: 16_000, status: 'complete' };
  const full = insightSeconds([c], 16, 2000);

  it('counts the refit and the predictions: 17 passes over the rows and partial dependence', () => {
    assert.ok(Math.abs(full - (1.2 * 2 + 1.25 * 0.001 * (17 * 2000 + 9000) + 0.5)) < 1e-9, String(full));
    assert.ok(Math.abs(insightSeconds([c], 16, 2000, false) - (full - 2.4)) < 1e-9);
  });

  it('measures impact on 2000 refit rows when they fit, on fewer when not, without the refit when even 300 do not fit', () => {
    assert.deepEqual(insightPlan([c], 16, 4000, full + 0.01), { refit: true, rows: 2000 });
    const some = insightPlan([c], 16, 4000, full / 2);
    assert.equal(some.refit, true);
    assert.ok(some.rows >= 300 && some.rows < 2000 && insightSeconds([c], 16, some.rows) <= full / 2, JSON.stringify(some));
    assert.equal(insightPlan([c], 16, 4000, insightSeconds([c], 16, 300) - 1).refit, false);
    assert.deepEqual(insightPlan([c], 16, 4000, 0), { refit: false, rows: 300 });
    // never more rows than the fold holds out
    assert.deepEqual(insightPlan([c], 16, 150, 1e9), { refit: true, rows: 150 });
  });
});

