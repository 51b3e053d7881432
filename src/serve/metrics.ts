/** Latency histogram bucket bounds, seconds (Prometheus `le`). */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** One model version's counters on one protocol: answers by status code, and a latency histogram. */
interface Series {
  model: string;
  version: string;
  protocol: string;
  codes: Record<string, number>;
  buckets: number[];
  sum: number;
  count: number;
}

/** Everything counted, as plain data (so worker processes can send theirs to be added up). */
export interface MetricsSnapshot {
  series: Series[];
  /** versions that failed to load, by "model\u0000version" */
  loadFailures: Record<string, number>;
  log: { logged: number; dropped: number; failed: number; queued: number };
  /** failed token attempts, and requests refused by the failed-attempt throttle */
  auth: { failed: number; throttled: number };
}

/**
 * Serving metrics per model version and protocol: requests by status code (errors are the 4xx/5xx codes), latency histogram,
 * and the prediction log's counters; rendered in Prometheus' text format.
 *
 * @example
 * metrics.observe('churn', '3', 'mlflow', 200, 0.0012);
 * const text = renderPrometheus([metrics.snapshot()]);
 */
export class ServingMetrics {
  private readonly series = new Map<string, Series>();
  private last: Series | null = null;
  private readonly loadFailures: Record<string, number> = {};
  /** counted by the server's authentication throttle */
  readonly auth = { failed: 0, throttled: 0 };

  constructor(private readonly logCounters: () => MetricsSnapshot['log'] = () => ({ logged: 0, dropped: 0, failed: 0, queued: 0 })) {}

  observe(model: string, version: string, protocol: string, code: number, seconds: number): void {
    // requests mostly repeat the last one's series: found without building its key
    let s = this.last;
    if (s === null || s.model !== model || s.version !== version || s.protocol !== protocol) {
      const key = `${model}\u0000${version}\u0000${protocol}`;
      s = this.series.get(key) ?? null;
      if (!s) this.series.set(key, (s = { model, version, protocol, codes: {}, buckets: new Array(BUCKETS.length).fill(0), sum: 0, count: 0 }));
      this.last = s;
    }
    s.codes[code] = (s.codes[code] ?? 0) + 1;
    let b = 0;
    while (b < BUCKETS.length && seconds > BUCKETS[b]) b++;
    if (b < BUCKETS.length) s.buckets[b]++;
    s.sum += seconds;
    s.count++;
  }

  loadFailure(model: string, version: string): void {
    const key = `${model}\u0000${version}`;
    this.loadFailures[key] = (this.loadFailures[key] ?? 0) + 1;
  }

  snapshot(): MetricsSnapshot {
    return { loadFailures: { ...this.loadFailures }, series: [...this.series.values()].map((s) => ({ ...s, codes: { ...s.codes }, buckets: [...s.buckets] })), log: this.logCounters(), auth: { ...this.auth } };
  }
}

function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The sum of several processes' snapshots in Prometheus' text exposition format. */
export function renderPrometheus(snapshots: MetricsSnapshot[]): string {
  const merged = new Map<string, Series>();
  const log = { logged: 0, dropped: 0, failed: 0, queued: 0 };
  const auth = { failed: 0, throttled: 0 };
  const failures: Record<string, number> = {};
  for (const snap of snapshots) {
    auth.failed += snap.auth?.failed ?? 0;
    auth.throttled += snap.auth?.throttled ?? 0;
    for (const [k, n] of Object.entries(snap.loadFailures)) failures[k] = (failures[k] ?? 0) + n;
    for (const s of snap.series) {
      const key = `${s.model}\u0000${s.version}\u0000${s.protocol}`;
      const m = merged.get(key);
      if (!m) {
        merged.set(key, { ...s, codes: { ...s.codes }, buckets: [...s.buckets] });
        continue;
      }
      for (const [c, n] of Object.entries(s.codes)) m.codes[c] = (m.codes[c] ?? 0) + n;
      s.buckets.forEach((n, i) => (m.buckets[i] += n));
      m.sum += s.sum;
      m.count += s.count;
    }
    for (const k of Object.keys(log) as (keyof typeof log)[]) log[k] += snap.log[k];
  }
  const series = [...merged.values()].sort((a, b) => a.model.localeCompare(b.model) || a.version.localeCompare(b.version) || a.protocol.localeCompare(b.protocol));
  const out: string[] = [];
  const labels = (s: Series) => `model="${label(s.model)}",version="${label(s.version)}",protocol="${s.protocol}"`;
  out.push('# HELP capstan_requests_total Inference requests answered, by model version, protocol and HTTP status code.', '# TYPE capstan_requests_total counter');
  for (const s of series) for (const [c, n] of Object.entries(s.codes)) out.push(`capstan_requests_total{${labels(s)},code="${c}"} ${n}`);
  out.push('# HELP capstan_request_errors_total Inference requests answered with a 4xx or 5xx status.', '# TYPE capstan_request_errors_total counter');
  for (const s of series) out.push(`capstan_request_errors_total{${labels(s)}} ${Object.entries(s.codes).reduce((a, [c, n]) => a + (Number(c) >= 400 ? n : 0), 0)}`);
  out.push('# HELP capstan_request_duration_seconds Time from request to answer, by model version and protocol.', '# TYPE capstan_request_duration_seconds histogram');
  for (const s of series) {
    let cum = 0;
    BUCKETS.forEach((le, i) => {
      cum += s.buckets[i];
      out.push(`capstan_request_duration_seconds_bucket{${labels(s)},le="${le}"} ${cum}`);
    });
    out.push(`capstan_request_duration_seconds_bucket{${labels(s)},le="+Inf"} ${s.count}`, `capstan_request_duration_seconds_sum{${labels(s)}} ${s.sum}`, `capstan_request_duration_seconds_count{${labels(s)}} ${s.count}`);
  }
  out.push('# HELP capstan_model_load_failures_total Model versions that failed to load (the previous version kept serving).', '# TYPE capstan_model_load_failures_total counter');
  for (const [k, n] of Object.entries(failures).sort()) {
    const [model, version] = k.split('\u0000');
    out.push(`capstan_model_load_failures_total{model="${label(model)}",version="${label(version)}"} ${n}`);
  }
  out.push('# HELP capstan_prediction_log_records_total Prediction records by fate: written, dropped (log full) or failed (store error).', '# TYPE capstan_prediction_log_records_total counter');
  for (const k of ['logged', 'dropped', 'failed'] as const) out.push(`capstan_prediction_log_records_total{state="${k}"} ${log[k]}`);
  out.push('# HELP capstan_prediction_log_queued Prediction records waiting to be written.', '# TYPE capstan_prediction_log_queued gauge', `capstan_prediction_log_queued ${log.queued}`);
  out.push('# HELP capstan_auth_failures_total Requests with a missing or invalid token (before throttling).', '# TYPE capstan_auth_failures_total counter', `capstan_auth_failures_total ${auth.failed}`);
  out.push('# HELP capstan_auth_throttled_total Requests refused with 429 after too many failed authentications from their client.', '# TYPE capstan_auth_throttled_total counter', `capstan_auth_throttled_total ${auth.throttled}`);
  return out.join('\n') + '\n';
}
