import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { greedyEnsemble } from './ensemble.ts';

describe('greedy ensemble selection', () => {
  it('combines two models that err on different rows, and weights a useless one out', () => {
    // regression: truth y; model A is right on even rows, B on odd rows, C is noise
    const n = 200;
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    const a = Float64Array.from(y, (v, i) => (i % 2 ? v + 1 : v));
    const b = Float64Array.from(y, (v, i) => (i % 2 ? v : v - 1));
    const c = Float64Array.from(y, (v) => v + 5);
    const choice = greedyEnsemble(new Map([[0, a], [1, b], [2, c]]), y, 'regression', 'r2', 1, 1);
    assert.ok(choice.score > choice.bestSingle + 0.2, `${choice.score} vs ${choice.bestSingle}`);
    assert.ok(Math.abs((choice.weights.get(0) ?? 0) - 0.5) < 0.1 && Math.abs((choice.weights.get(1) ?? 0) - 0.5) < 0.1, JSON.stringify([...choice.weights]));
    assert.equal(choice.weights.get(2) ?? 0, 0);
  });

  it('with a metric where lower is better, minimises it', () => {
    const y = Float64Array.from([0, 1, 0, 1]);
    const good = Float64Array.from([0.9, 0.1, 0.2, 0.8, 0.8, 0.2, 0.3, 0.7]);
    const bad = Float64Array.from([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    const choice = greedyEnsemble(new Map([[0, bad], [1, good]]), y, 'binary', 'log_loss', 2, -1);
    assert.equal(choice.bestSingleId, 1);
    assert.ok(choice.score <= choice.bestSingle + 1e-12);
  });

  it('with a cost limit, chooses among the members the limit allows and says that it left some out', () => {
    const n = 200;
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    const a = Float64Array.from(y, (v, i) => (i % 2 ? v + 1 : v));
    const b = Float64Array.from(y, (v, i) => (i % 2 ? v : v - 1));
    const c = Float64Array.from(y, (v, i) => (i % 2 ? v - 0.8 : v + 0.3));
    const oof = new Map([[0, a], [1, b], [2, c]]);
    // b, the best partner of a, costs too much beside it: a blends with c instead
    const limited = greedyEnsemble(oof, y, 'regression', 'r2', 1, 1, { of: (id) => [1, 5, 1][id], limit: 3 });
    assert.equal(limited.weights.get(1) ?? 0, 0, JSON.stringify([...limited.weights]));
    assert.ok(limited.limited);
    assert.ok(limited.score > limited.bestSingle, `${limited.score} vs ${limited.bestSingle}`);
    const free = greedyEnsemble(oof, y, 'regression', 'r2', 1, 1, { of: (id) => [1, 5, 1][id], limit: 100 });
    assert.ok((free.weights.get(1) ?? 0) > 0 && !free.limited && free.score > limited.score);
    // nothing affordable: an empty choice
    assert.equal(greedyEnsemble(oof, y, 'regression', 'r2', 1, 1, { of: () => 10, limit: 1 }).weights.size, 0);
  });
});

