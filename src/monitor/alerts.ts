import type { Alert, Stores } from '../store/index.ts';
import { deliverWebhook, type DeliveryOptions } from './notify/webhook.ts';
import { parsePolicy, type AlertRule, type Figure, type MonitorPolicy } from './policy.ts';
import { monitorModel, type MonitorReport } from './query.ts';
import type { WindowReport } from './report.ts';
import { parseWindowLength } from './window-length.ts';

/** A figure of a window, and the rows it stands on (a rule with minRows does not judge on fewer). */
export function figureOf(figure: Figure, w: WindowReport): { value: number | null; rows: number } {
  const rows = w.health.rows;
  const most = (pick: (q: WindowReport['quality'][number]) => number) => (w.quality.length ? Math.max(...w.quality.map(pick)) : 0);
  switch (figure) {
    case 'drift.share':
      return { value: w.drift.features.some((f) => f.status === 'tested') ? w.drift.share : null, rows };
    case 'drift.dataset':
      return { value: w.drift.features.some((f) => f.status === 'tested') ? Number(w.drift.datasetDrift) : null, rows };
    case 'drift.prediction':
      return { value: w.predictionDrift?.status === 'tested' ? Number(w.predictionDrift.drifted) : null, rows };
    case 'error_rate':
      return { value: w.health.requests ? w.health.errorRate : null, rows: w.health.requests };
    case 'latency.p99':
      return { value: w.health.latencyMs.p99, rows: w.health.requests };
    case 'requests':
      // silence is what this rule watches: it always judges
      return { value: w.health.requests, rows: Number.MAX_SAFE_INTEGER };
    case 'quality.missing':
      return { value: rows ? most((q) => q.missing) : null, rows };
    case 'quality.out_of_range':
      return { value: rows ? most((q) => q.outOfRange) : null, rows };
    case 'quality.unseen':
      return { value: rows ? most((q) => q.unseen) : null, rows };
    case 'accuracy.drop': {
      const c = w.accuracy.change;
      // every headline metric (ROC AUC, accuracy, R2) is better higher: the drop is training minus now
      return { value: c ? c.training - c.now : null, rows: w.accuracy.labelled };
    }
    case 'actuals.pending_share':
      return { value: rows ? w.accuracy.pending / rows : null, rows };
    case 'humility.share':
      return { value: rows ? Object.values(w.humility).reduce((a, b) => a + b, 0) / rows : null, rows };
  }
}

/** The version a rule judges: the one that answered most rows in the span (the champion, in a canary or shadow setup). */
function mainVersion(r: MonitorReport): { version: string; total: WindowReport } | null {
  return r.versions.reduce<MonitorReport['versions'][number] | null>((best, v) => (best === null || v.total.health.rows > best.total.health.rows ? v : best), null);
}

export interface RuleOutcome {
  model: string;
  rule: string;
  value: number | null;
  /** firing (newly), still-firing, resolved (newly), ok, or not-judged (too few rows, or the figure unknown) */
  state: 'firing' | 'still-firing' | 'resolved' | 'ok' | 'not-judged';
  notified: { url: string; ok: boolean; attempts: number; error: string | null }[];
}

export interface EvaluateOptions {
  now?: number;
  /** where a webhook's secretEnv is looked up (default process.env) */
  env?: Record<string, string | undefined>;
  delivery?: DeliveryOptions;
  onError?: (message: string) => void;
}

/** Send an event to every webhook of a policy (signed with each one's secret from the environment). */
export async function notifyPolicy(policy: MonitorPolicy, event: Record<string, unknown>, o: EvaluateOptions = {}): Promise<RuleOutcome['notified']> {
  const env = o.env ?? process.env;
  return Promise.all(
    policy.notify.map(async (h) => {
      const secret = h.secretEnv ? env[h.secretEnv] : undefined;
      if (h.secretEnv && !secret) return { url: h.url, ok: false, attempts: 0, error: `environment variable ${h.secretEnv} (the webhook's secret) is not set: not sent` };
      const d = await deliverWebhook({ url: h.url, ...(secret ? { secret } : {}), allowPrivate: h.allowPrivate }, event, o.delivery);
      if (!d.ok) o.onError?.(`webhook ${h.url}: ${d.error}`);
      return { url: h.url, ok: d.ok, attempts: d.attempts, error: d.error };
    }),
  );
}

/**
 * Evaluate every model's alert rules against its monitoring (the previous window and the current one): a rule whose figure
 * crosses its threshold opens an alert, one that comes back resolves it; each change is audited and sent to the policy's
 * webhooks as `alert.firing` / `alert.resolved`. An alert already open (or acknowledged) is not sent again.
 */
export async function evaluateAlerts(stores: Stores, o: EvaluateOptions = {}): Promise<RuleOutcome[]> {
  const now = o.now ?? Date.now();
  const out: RuleOutcome[] = [];
  for (const record of await stores.metadata.monitor.listPolicies()) {
    let policy: MonitorPolicy;
    try {
      policy = parsePolicy(record.spec);
    } catch (e) {
      o.onError?.(`policy of ${record.model} version ${record.version} no longer checks: ${(e as Error).message}`);
      continue;
    }
    const reports = new Map<string, MonitorReport>();
    for (const rule of policy.alerts) {
      let report = reports.get(rule.window);
      if (!report) {
        const windowMs = parseWindowLength('window', rule.window);
        reports.set(rule.window, (report = await monitorModel(stores, policy.model, { windowMs, since: now - windowMs, until: now + 1 })));
      }
      out.push(await judge(stores, policy, record.version, rule, report, now, o));
    }
  }
  return out;
}

async function judge(stores: Stores, policy: MonitorPolicy, policyVersion: number, rule: AlertRule, report: MonitorReport, now: number, o: EvaluateOptions): Promise<RuleOutcome> {
  const main = mainVersion(report);
  const { value, rows } = main ? figureOf(rule.figure, main.total) : rule.figure === 'requests' ? { value: 0, rows: Number.MAX_SAFE_INTEGER } : { value: null, rows: 0 };
  const base = { model: policy.model, rule: rule.name, value };
  if (value === null || rows < rule.minRows) return { ...base, state: 'not-judged', notified: [] };
  const crossed = (rule.above !== undefined && value > rule.above) || (rule.below !== undefined && value < rule.below);
  const threshold = rule.above !== undefined && (rule.below === undefined || value > rule.above) ? rule.above : rule.below!;
  const event = (kind: string, alert: Alert) => ({ event: kind, model: policy.model, version: main?.version ?? null, rule: rule.name, figure: rule.figure, value, threshold, window: rule.window, policyVersion, alert, at: now });
  if (crossed) {
    const detail = { figure: rule.figure, window: rule.window, version: main?.version ?? null, rows, ...(rule.figure.startsWith('drift') && main ? { drifted: main.total.drift.drifted.slice(0, 10) } : {}) };
    const { alert, created } = await stores.metadata.monitor.openAlert({ model: policy.model, rule: rule.name, value, threshold, detail, at: now });
    return { ...base, state: created ? 'firing' : 'still-firing', notified: created ? await notifyPolicy(policy, event('alert.firing', alert), o) : [] };
  }
  const resolved = await stores.metadata.monitor.resolveAlert(policy.model, rule.name, value, now);
  return { ...base, state: resolved ? 'resolved' : 'ok', notified: resolved ? await notifyPolicy(policy, event('alert.resolved', resolved), o) : [] };
}
