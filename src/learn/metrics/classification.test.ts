import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accuracy, confusionMatrix, logLoss, rocAuc } from './classification.ts';

describe('classification metrics', () => {
  it('rocAuc matches scikit-learn, ties included', () => {
    // sklearn.metrics.roc_auc_score([0,0,1,1],[0.1,0.4,0.35,0.8]) == 0.75
    assert.equal(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
    // all scores tied: 0.5
    assert.equal(rocAuc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3]), 0.5);
    assert.ok(Number.isNaN(rocAuc([1, 1], [0.2, 0.4])));
  });

  it('accuracy, log loss and confusion matrix', () => {
    assert.equal(accuracy([0, 1, 1], [0, 1, 0]), 2 / 3);
    assert.ok(Math.abs(logLoss([0, 1], Float64Array.of(0.8, 0.2, 0.3, 0.7), 2) - (-(Math.log(0.8) + Math.log(0.7)) / 2)) < 1e-12);
    assert.deepEqual(confusionMatrix([0, 1, 1], [0, 1, 0], 2), [[1, 0], [1, 1]]);
  });
});

describe('more classification metrics', () => {
  it('prAuc matches scikit-learn average_precision_score', async () => {
    const { prAuc, balancedAccuracy, perClass } = await import('./classification.ts');
    // average_precision_score([0,0,1,1],[0.1,0.4,0.35,0.8]) == 0.8333...
    assert.ok(Math.abs(prAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) - 0.8333333333) < 1e-9);
    // balanced_accuracy_score([0,0,0,1],[0,0,1,1]) == (2/3 + 1)/2
    assert.ok(Math.abs(balancedAccuracy([0, 0, 0, 1], [0, 0, 1, 1], 2) - (2 / 3 + 1) / 2) < 1e-12);
    const pc = perClass([0, 0, 1, 1], [0, 1, 1, 1], 2);
    assert.deepEqual(pc.precision, [1, 2 / 3]);
    assert.deepEqual(pc.recall, [0.5, 1]);
  });
});
