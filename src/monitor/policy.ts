import { invalid } from '../core/errors.ts';
import { isObject } from '../core/json.ts';
import { checkName } from '../core/names.ts';
import { checkWebhookUrl } from './notify/webhook.ts';
import { parseWindowLength } from './window-length.ts';

/** The figures an alert rule can watch, each read off a window's report (see figureOf). */
export const FIGURES = ['drift.share', 'drift.dataset', 'drift.prediction', 'error_rate', 'latency.p99', 'requests', 'quality.missing', 'quality.out_of_range', 'quality.unseen', 'accuracy.drop', 'actuals.pending_share', 'humility.share'] as const;
export type Figure = (typeof FIGURES)[number];

export interface AlertRule {
  name: string;
  figure: Figure;
  /** fires when the figure is above this ... */
  above?: number;
  /** ... or below this */
  below?: number;
  /** the span looked at: the previous window and the current one (default: the policy's window) */
  window: string;
  /** a window with fewer rows (or, for accuracy, fewer labelled rows) does not judge: the rule stays as it is */
  minRows: number;
}

export interface WebhookConfig {
  url: string;
  /** the name of the server's environment variable holding the signing secret (secrets never live in the policy) */
  secretEnv?: string;
  allowPrivate: boolean;
}

/** Limits a canary must stay within; past any, it rolls back by itself. */
export interface CanaryLimits {
  /** percent of the bare name's requests the challenger answers */
  weight: number;
  /** requests the challenger answers before it is promoted */
  requests: number;
  maxErrorRate: number;
  maxLatencyP99Ms: number;
  /** the challenger's metric may fall at most this far below the champion's on the canary's labelled rows */
  maxAccuracyDrop: number;
}

/** The closed loop: what triggers a retraining, on which data, and what happens to a better challenger. */
export interface RetrainPolicy {
  /** an alert rule of this policy starting to fire, this many actuals since the champion (or the last retraining), or a period */
  when: { alert: string } | { actuals: number } | { every: string };
  /** the base training data: a file, `dataset` (the champion's training dataset, the default) or `none` (production rows only) */
  data: string;
  /** share of the newest labelled production rows held out to compare challenger and champion on */
  holdout: number;
  /** notify only, ask for approval (alias `challenger`, a person approves), or promote through a canary */
  action: 'notify' | 'approve' | 'canary';
  canary: CanaryLimits;
}

/** A model's monitoring policy: alert rules, where their notifications go, retraining. Applied as YAML, versioned and audited. */
export interface MonitorPolicy {
  model: string;
  window: string;
  alerts: AlertRule[];
  notify: WebhookConfig[];
  retrain: RetrainPolicy | null;
}

const num = (field: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`${field} must be a number`);
  return v;
};

function only(field: string, v: Record<string, unknown>, keys: string[]): void {
  const extra = Object.keys(v).find((k) => !keys.includes(k));
  if (extra) throw invalid(`${field} has an unknown field "${extra.slice(0, 64)}" (allowed: ${keys.join(', ')})`);
}

/** Check a policy document (parsed YAML or JSON): every error names its field. */
export function parsePolicy(doc: unknown): MonitorPolicy {
  if (!isObject(doc)) throw invalid('a policy must be a mapping with model, alerts and notify');
  only('policy', doc, ['model', 'window', 'alerts', 'notify', 'retrain']);
  const model = checkName('model', typeof doc.model === 'string' ? doc.model : '');
  const window = doc.window === undefined ? '1h' : String(doc.window);
  parseWindowLength('window', window);
  if (doc.alerts !== undefined && !Array.isArray(doc.alerts)) throw invalid('alerts must be a list of rules');
  if (doc.notify !== undefined && !Array.isArray(doc.notify)) throw invalid('notify must be a list of webhooks');
  const names = new Set<string>();
  const alerts = ((doc.alerts ?? []) as unknown[]).map((r, i): AlertRule => {
    const at = `alerts[${i}]`;
    if (!isObject(r)) throw invalid(`${at} must be a mapping {name, figure, above|below}`);
    only(at, r, ['name', 'figure', 'above', 'below', 'window', 'minRows']);
    const name = checkName(`${at}.name`, typeof r.name === 'string' ? r.name : '');
    if (names.has(name)) throw invalid(`${at}.name "${name}" is used twice`);
    names.add(name);
    if (!(FIGURES as readonly unknown[]).includes(r.figure)) throw invalid(`${at}.figure must be one of ${FIGURES.join(', ')} (got "${String(r.figure).slice(0, 64)}")`);
    if (r.above === undefined && r.below === undefined) throw invalid(`${at} needs above or below`);
    const w = r.window === undefined ? window : String(r.window);
    parseWindowLength(`${at}.window`, w);
    const minRows = r.minRows === undefined ? 1 : num(`${at}.minRows`, r.minRows);
    if (!Number.isInteger(minRows) || minRows < 1) throw invalid(`${at}.minRows must be an integer >= 1`);
    return { name, figure: r.figure as Figure, ...(r.above !== undefined ? { above: num(`${at}.above`, r.above) } : {}), ...(r.below !== undefined ? { below: num(`${at}.below`, r.below) } : {}), window: w, minRows };
  });
  const notify = ((doc.notify ?? []) as unknown[]).map((h, i): WebhookConfig => {
    const at = `notify[${i}]`;
    if (!isObject(h)) throw invalid(`${at} must be a mapping {url, secretEnv?, allowPrivate?}`);
    only(at, h, ['url', 'secretEnv', 'allowPrivate']);
    if (typeof h.url !== 'string') throw invalid(`${at}.url must be an http(s) URL`);
    checkWebhookUrl(`${at}.url`, h.url);
    if (h.secretEnv !== undefined && (typeof h.secretEnv !== 'string' || !/^[A-Z_][A-Z0-9_]{0,127}$/.test(h.secretEnv))) throw invalid(`${at}.secretEnv must name an environment variable (upper case, digits, "_")`);
    if (h.allowPrivate !== undefined && typeof h.allowPrivate !== 'boolean') throw invalid(`${at}.allowPrivate must be true or false`);
    return { url: h.url, ...(h.secretEnv ? { secretEnv: h.secretEnv as string } : {}), allowPrivate: h.allowPrivate === true };
  });
  return { model, window, alerts, notify, retrain: doc.retrain === undefined || doc.retrain === null ? null : parseRetrain(doc.retrain, alerts) };
}

function parseRetrain(r: unknown, alerts: AlertRule[]): RetrainPolicy {
  if (!isObject(r)) throw invalid('retrain must be a mapping {when, data?, holdout?, action, canary?}');
  only('retrain', r, ['when', 'data', 'holdout', 'action', 'canary']);
  const w = r.when;
  let when: RetrainPolicy['when'];
  if (isObject(w) && typeof w.alert === 'string' && Object.keys(w).length === 1) {
    if (!alerts.some((a) => a.name === w.alert)) throw invalid(`retrain.when.alert "${String(w.alert).slice(0, 64)}" is not an alert rule of this policy`);
    when = { alert: w.alert };
  } else if (isObject(w) && Object.keys(w).length === 1 && typeof w.actuals === 'number' && Number.isInteger(w.actuals) && w.actuals >= 1) when = { actuals: w.actuals };
  else if (isObject(w) && Object.keys(w).length === 1 && typeof w.every === 'string') {
    parseWindowLength('retrain.when.every', w.every);
    when = { every: w.every };
  } else throw invalid('retrain.when must be {alert: RULE}, {actuals: N} or {every: 7d}');
  const data = r.data === undefined ? 'dataset' : r.data;
  if (typeof data !== 'string' || data === '') throw invalid('retrain.data must be a file, "dataset" or "none"');
  const holdout = r.holdout === undefined ? 0.3 : num('retrain.holdout', r.holdout);
  if (!(holdout > 0 && holdout < 1)) throw invalid('retrain.holdout must be between 0 and 1');
  if (!['notify', 'approve', 'canary'].includes(r.action as string)) throw invalid('retrain.action must be notify, approve or canary');
  const c = r.canary === undefined ? {} : r.canary;
  if (!isObject(c)) throw invalid('retrain.canary must be a mapping');
  only('retrain.canary', c, ['weight', 'requests', 'maxErrorRate', 'maxLatencyP99Ms', 'maxAccuracyDrop']);
  const canary: CanaryLimits = {
    weight: c.weight === undefined ? 10 : num('retrain.canary.weight', c.weight),
    requests: c.requests === undefined ? 500 : num('retrain.canary.requests', c.requests),
    maxErrorRate: c.maxErrorRate === undefined ? 0.01 : num('retrain.canary.maxErrorRate', c.maxErrorRate),
    maxLatencyP99Ms: c.maxLatencyP99Ms === undefined ? 100 : num('retrain.canary.maxLatencyP99Ms', c.maxLatencyP99Ms),
    maxAccuracyDrop: c.maxAccuracyDrop === undefined ? 0.01 : num('retrain.canary.maxAccuracyDrop', c.maxAccuracyDrop),
  };
  if (!(canary.weight >= 1 && canary.weight <= 99 && Number.isInteger(canary.weight))) throw invalid('retrain.canary.weight must be a whole percent from 1 to 99');
  if (!(Number.isInteger(canary.requests) && canary.requests >= 1)) throw invalid('retrain.canary.requests must be an integer >= 1');
  return { when, data, holdout, action: r.action as RetrainPolicy['action'], canary };
}
