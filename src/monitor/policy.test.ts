import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { parsePolicy } from './policy.ts';

test('a policy is checked field by field, with defaults for what it leaves out', () => {
  const p = parsePolicy({ model: 'churn', alerts: [{ name: 'drift', figure: 'drift.share', above: 0.3 }], notify: [{ url: 'https://hooks.example.com/x', secretEnv: 'HOOK_SECRET' }], retrain: { when: { alert: 'drift' }, action: 'canary' } });
  assert.deepEqual(p.alerts[0], { name: 'drift', figure: 'drift.share', above: 0.3, window: '1h', minRows: 1 });
  assert.deepEqual(p.notify[0], { url: 'https://hooks.example.com/x', secretEnv: 'HOOK_SECRET', allowPrivate: false });
  assert.deepEqual([p.retrain?.data, p.retrain?.holdout, p.retrain?.canary.weight, p.retrain?.canary.requests], ['dataset', 0.3, 10, 500]);
  assert.deepEqual(parsePolicy({ model: 'churn', retrain: { when: { every: '7d' }, action: 'notify' } }).retrain?.when, { every: '7d' });
  // a checked policy (as stored) checks again, with or without a retrain section
  assert.deepEqual(parsePolicy(p), p);
  assert.deepEqual(parsePolicy(parsePolicy({ model: 'churn' })), { model: 'churn', window: '1h', alerts: [], notify: [], retrain: null });
  const bad: [unknown, RegExp][] = [
    [{ model: 'churn', alerts: [{ name: 'a', figure: 'nope', above: 1 }] }, /alerts\[0\]\.figure must be one of/],
    [{ model: 'churn', alerts: [{ name: 'a', figure: 'error_rate' }] }, /alerts\[0\] needs above or below/],
    [{ model: 'churn', alerts: [{ name: 'a', figure: 'error_rate', above: 1, window: '90m' }] }, /alerts\[0\]\.window must be a number of hours or days/],
    [{ model: 'churn', notify: [{ url: 'ftp://x' }] }, /notify\[0\]\.url must be an http\(s\) URL/],
    [{ model: 'churn', notify: [{ url: 'https://u:p@x.example' }] }, /may not carry credentials/],
    [{ model: 'churn', notify: [{ url: 'https://x.example', secretEnv: 'lower' }] }, /secretEnv must name an environment variable/],
    [{ model: 'churn', retrain: { when: { alert: 'missing' }, action: 'canary' } }, /not an alert rule of this policy/],
    [{ model: 'churn', retrain: { when: { actuals: 10 }, action: 'deploy' } }, /retrain\.action must be notify, approve or canary/],
    [{ model: 'churn', retrain: { when: { actuals: 10 }, action: 'canary', canary: { weight: 100 } } }, /weight must be a whole percent from 1 to 99/],
    [{ model: 'churn', extra: 1 }, /unknown field "extra"/],
    [{ model: 'churn', retrain: { when: { every: '90m' }, action: 'notify' } }, /retrain\.when\.every must be a number of hours or days/],
  ];
  for (const [doc, message] of bad) assert.throws(() => parsePolicy(doc), message);
});
