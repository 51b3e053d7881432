import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthThrottle } from './throttle.ts';

describe('AuthThrottle', () => {
  it('lets `burst` failures through, then one more per refill period; Retry-After says how long', () => {
    let t = 0;
    const th = new AuthThrottle(undefined, 3, 1000, 10, () => t);
    for (let i = 0; i < 3; i++) {
      assert.equal(th.retryAfter('a'), 0);
      assert.equal(th.fail('a'), i === 2, 'true once, when the limit is reached');
    }
    assert.equal(th.retryAfter('a'), 1);
    assert.equal(th.retryAfter('b'), 0, 'another client is not slowed');
    t += 999;
    assert.equal(th.retryAfter('a'), 1);
    t += 2;
    assert.equal(th.retryAfter('a'), 0, 'a second later, one more attempt');
    th.fail('a');
    assert.equal(th.retryAfter('a'), 1);
    assert.deepEqual(th.counts, { failed: 4, throttled: 3 });
  });

  it('tracks at most maxClients, forgetting the oldest', () => {
    const th = new AuthThrottle(undefined, 1, 1000, 2, () => 0);
    th.fail('a');
    th.fail('b');
    th.fail('c');
    assert.equal(th.retryAfter('a'), 0);
    assert.equal(th.retryAfter('b'), 1);
    assert.equal(th.retryAfter('c'), 1);
  });
});
