import type { Static } from '@sinclair/typebox';
import type * as records from '../../src/api/records.ts';
import type * as monitoring from '../../src/api/routes/monitoring.ts';
import type * as pipelines from '../../src/api/routes/pipelines.ts';

// the API's own record types (the schemas the server answers with), erased at build time
export type Run = Static<typeof records.Run>;
export type Experiment = Static<typeof records.Experiment>;
export type RegisteredModel = Static<typeof records.RegisteredModel>;
export type ModelVersion = Static<typeof records.ModelVersion>;
export type Principal = Static<typeof records.Principal>;
export type Approval = Static<typeof records.Approval>;
export type AuditEvent = Static<typeof records.AuditEvent>;
export type DatasetSummary = Static<typeof records.DatasetSummary>;
export type DatasetVersion = Static<typeof records.DatasetVersion>;
export type DatasetValidation = Static<typeof records.DatasetValidation>;
export type ModelCard = Static<typeof records.ModelCard>;
// the server's own role rule: what a role may not do is not offered
export { hasRole } from '../../src/store/policy.ts';
/** A double as the API sends it: a number, or the text of a non-finite one. */
export type Double = number | 'NaN' | 'Infinity' | '-Infinity';

/** A double for a table cell: up to 4 significant digits. */
export function formatDouble(v: Double | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  return Number.isInteger(v) ? String(v) : v.toPrecision(4);
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const TOKEN_KEY = 'capstan.token';

/** The signed-in token: kept for this browser tab's session only, sent as a header, never put in a URL. */
export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** An error the API answered with: its status and message, shown to the user as text. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** One call to the documented API with the session's token (or the one given, when signing in). */
export async function call<T>(method: string, path: string, body?: unknown, token = session.token()): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
  });
  if (res.status === 204) return undefined as T;
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const message = (data as { error?: { message?: string } } | null)?.error?.message ?? `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, message);
  }
  return data as T;
}

/** A query string from defined values (arrays repeat the key). */
export function query(q: Record<string, string | number | string[] | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue;
    for (const x of Array.isArray(v) ? v : [v]) p.append(k, String(x));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

export type MetricPoint = Static<typeof records.MetricPoint>;
export type ArtifactEntry = Static<typeof records.ArtifactEntry>;
export type RunDataset = Static<typeof records.RunDataset>;
export type StepRecord = Static<typeof records.StepRecord>;

/** A text file's first `max` characters from the API (an artifact preview); null when it is not text. */
export async function callText(path: string, max = 20_000): Promise<string | null> {
  const token = session.token();
  const res = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {}, credentials: 'omit' });
  if (!res.ok) throw new ApiError(res.status, `${res.status} ${res.statusText}`);
  const text = await res.text();
  // a NUL or many replacement characters: binary, not previewed
  if (text.slice(0, 4096).includes('\u0000') || (text.slice(0, 4096).match(/\ufffd/g)?.length ?? 0) > 8) return null;
  return text.length > max ? `${text.slice(0, max)}\n... (${text.length - max} more characters)` : text;
}

/** Every point of a run's metrics that have more than one (the ones worth a chart). */
export async function metricHistories(run: Run): Promise<Map<string, MetricPoint[]>> {
  const out = new Map<string, MetricPoint[]>();
  const keys = Object.keys(run.metrics).sort();
  const all = await Promise.all(keys.map((k) => call<{ items: MetricPoint[] }>('GET', `/api/v1/runs/${run.id}/metric-history${query({ key: k })}`)));
  keys.forEach((k, i) => out.set(k, all[i].items));
  return out;
}

/** A double as a chart's number (the API sends non-finite ones as text). */
export function num(v: Double): number {
  return typeof v === 'number' ? v : Number(v);
}

export type MonitorReport = Static<(typeof monitoring.monitorModel)['responses'][200]>;
export type WindowReport = Static<typeof monitoring.WindowReport>;
export type Alert = Static<typeof monitoring.Alert>;
export type PolicyRecord = Static<typeof monitoring.PolicyRecord>;

export type PipelineRun = Static<typeof pipelines.PipelineRunView>;
export type PipelineRunSummary = Static<(typeof pipelines.listPipelineRuns)['responses'][200]>['items'][number];
