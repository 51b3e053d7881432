import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderPrometheus, ServingMetrics } from './metrics.ts';

describe('serving metrics', () => {
  it('counts requests by code, errors, latency buckets, load failures, log and auth counters; processes add up', async () => {
    const a = new ServingMetrics(() => ({ logged: 10, dropped: 1, failed: 0, queued: 3 }));
    const b = new ServingMetrics(() => ({ logged: 5, dropped: 0, failed: 2, queued: 1 }));
    for (let i = 0; i < 7; i++) a.observe('churn', '3', 'mlflow', 200, 0.0007);
    a.observe('churn', '3', 'mlflow', 400, 0.0002);
    a.observe('churn', '3', 'v2', 200, 0.02);
    for (let i = 0; i < 5; i++) b.observe('churn', '3', 'mlflow', 200, 0.003);
    b.observe('churn', 'weird"\nversion', 'mlflow', 503, 12);
    a.loadFailure('churn', '4');
    a.auth.failed += 4;
    b.auth.throttled += 2;
    const text = renderPrometheus([a.snapshot(), b.snapshot()]);
    const value = (line: string) => {
      const found = text.split('\n').find((l) => l.startsWith(line + ' '));
      assert.ok(found, `${line} in\n${text}`);
      return Number(found.slice(line.length + 1));
    };
    assert.equal(value('capstan_requests_total{model="churn",version="3",protocol="mlflow",code="200"}'), 12);
    assert.equal(value('capstan_requests_total{model="churn",version="3",protocol="mlflow",code="400"}'), 1);
    assert.equal(value('capstan_request_errors_total{model="churn",version="3",protocol="mlflow"}'), 1);
    assert.equal(value('capstan_request_duration_seconds_bucket{model="churn",version="3",protocol="mlflow",le="0.001"}'), 8);
    assert.equal(value('capstan_request_duration_seconds_bucket{model="churn",version="3",protocol="mlflow",le="0.005"}'), 13);
    assert.equal(value('capstan_request_duration_seconds_count{model="churn",version="3",protocol="mlflow"}'), 13);
    assert.equal(value('capstan_request_duration_seconds_count{model="churn",version="3",protocol="v2"}'), 1);
    assert.equal(value('capstan_model_load_failures_total{model="churn",version="4"}'), 1);
    assert.equal(value('capstan_prediction_log_records_total{state="logged"}'), 15);
    assert.equal(value('capstan_prediction_log_records_total{state="failed"}'), 2);
    assert.equal(value('capstan_prediction_log_queued'), 4);
    assert.equal(value('capstan_auth_failures_total'), 4);
    assert.equal(value('capstan_auth_throttled_total'), 2);
    // label values are escaped as the exposition format requires
    assert.match(text, /version="weird\\"\\nversion"/);
    assert.match(text, /# TYPE capstan_request_duration_seconds histogram/);
  });
});
