import { CapstanError, type ErrorCode } from '../core/errors.ts';
import { stringifyApiJson } from '../core/json.ts';
import type {
  AuditStore, DatasetStore, ExperimentStore, MetadataStore, ModelStore, PredictionStore, RunSearch, RunStore, TokenStore,
} from '../store/metadata-store.ts';
import type {
  ApiToken, Approval, ArtifactEntry, AuditEvent, DatasetVersion, Experiment, KeyValue, MetricPoint, ModelVersion, Page, PageRequest,
  PredictionRecord, Principal, RegisteredModel, Role, Run, RunStatus, StepRecord,
} from '../store/types.ts';

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };
const num = (v: unknown): number => (typeof v === 'string' && v in NON_FINITE ? NON_FINITE[v] : (v as number));
const numbers = (o: Record<string, unknown>): Record<string, number> => Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k, num(v)]));
const e = encodeURIComponent;

function pageQuery(p: PageRequest = {}, extra: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  if (p.limit !== undefined) q.set('limit', String(p.limit));
  if (p.cursor) q.set('cursor', p.cursor);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * The metadata store over Capstan's REST API: the same interfaces as the local stores, so code written against one runs
 * against the other. The acting principal is the token's: `actor`, `author` and `approver` arguments are ignored (the server
 * decides who is calling), and `recordStep` is not offered remotely. `createVersion` registers a bundle already in the
 * server's artifact store: the server reads its task, metrics and signature from it (the arguments for them are not sent).
 * @example
 * const store = new CapstanClient('http://127.0.0.1:7707', process.env.CAPSTAN_TOKEN!);
 * const runs = await store.runs.search({ filter: "metrics.roc_auc > 0.8" });
 */
export class CapstanClient implements MetadataStore {
  readonly experiments: ExperimentStore;
  readonly runs: RunStore;
  readonly datasets: DatasetStore;
  readonly models: ModelStore;
  readonly audit: AuditStore;
  readonly tokens: TokenStore;
  readonly predictions: PredictionStore;

  constructor(
    readonly url: string,
    private readonly token: string,
  ) {
    const run = (r: Run): Run => ({ ...r, metrics: numbers(r.metrics) });
    const version = (v: ModelVersion): ModelVersion => ({ ...v, metrics: numbers(v.metrics) });
    this.experiments = {
      create: (i) => this.req<Experiment>('POST', '/api/v1/experiments', i),
      ensure: async (name) => {
        try {
          return await this.req<Experiment>('POST', '/api/v1/experiments', { name });
        } catch (err) {
          if ((err as CapstanError).code === 'ALREADY_EXISTS') return (await this.req<Page<Experiment>>('GET', `/api/v1/experiments?name=${e(name)}`)).items[0];
          throw err;
        }
      },
      get: (id) => this.req('GET', `/api/v1/experiments/${e(id)}`),
      getByName: async (name) => (await this.req<Page<Experiment>>('GET', `/api/v1/experiments?name=${e(name)}`)).items[0],
      list: (o = {}) => this.req('GET', `/api/v1/experiments${pageQuery(o, { include_deleted: o.includeDeleted ? 'true' : undefined })}`),
      setTag: async (id, key, value) => void (await this.req('PUT', `/api/v1/experiments/${e(id)}/tags/${e(key)}`, { value })),
    };
    this.runs = {
      create: async (i) => run(await this.req<Run>('POST', '/api/v1/runs', i)),
      get: async (id) => run(await this.req<Run>('GET', `/api/v1/runs/${e(id)}`)),
      search: async (q: RunSearch = {}) => {
        const p = await this.req<Page<Run>>('POST', '/api/v1/runs/search', q);
        return { ...p, items: p.items.map(run) };
      },
      update: async (id, patch: { status?: RunStatus; endTime?: number | null; name?: string }) => run(await this.req<Run>('PATCH', `/api/v1/runs/${e(id)}`, patch)),
      delete: async (id) => void (await this.req('DELETE', `/api/v1/runs/${e(id)}`)),
      logBatch: async (id, batch: { metrics?: MetricPoint[]; params?: KeyValue[]; tags?: KeyValue[] }) => void (await this.req('POST', `/api/v1/runs/${e(id)}/batch`, batch)),
      metricHistory: async (id, key) => (await this.req<{ items: MetricPoint[] }>('GET', `/api/v1/runs/${e(id)}/metric-history?key=${e(key)}`)).items.map((p) => ({ ...p, value: num(p.value) })),
      deleteTag: async (id, key) => void (await this.req('DELETE', `/api/v1/runs/${e(id)}/tags/${e(key)}`)),
      recordStep: async (_s: StepRecord) => {
        throw new CapstanError('INVALID_ARGUMENT', 'pipeline steps are recorded by the process that runs them, not over the API');
      },
      listSteps: async (id) => (await this.req<{ items: StepRecord[] }>('GET', `/api/v1/runs/${e(id)}/steps`)).items,
      linkDataset: async (runId, datasetId, role) => void (await this.req('POST', `/api/v1/runs/${e(runId)}/datasets`, { datasetId, role })),
      listDatasets: async (id) => (await this.req<{ items: (DatasetVersion & { role: string })[] }>('GET', `/api/v1/runs/${e(id)}/datasets`)).items,
      putArtifact: async (_entry) => {
        throw new CapstanError('INVALID_ARGUMENT', 'upload artifacts with uploadArtifact (the content, not a digest)');
      },
      getArtifact: async (runId, path) => {
        const list = (await this.req<{ items: ArtifactEntry[] }>('GET', `/api/v1/runs/${e(runId)}/artifacts`)).items;
        const hit = list.find((a) => a.path === path);
        if (!hit) throw new CapstanError('NOT_FOUND', `run ${runId} has no artifact "${path}"`);
        return hit;
      },
      listArtifacts: async (runId) => (await this.req<{ items: ArtifactEntry[] }>('GET', `/api/v1/runs/${e(runId)}/artifacts`)).items,
    };
    this.datasets = {
      register: (i) => this.req('POST', '/api/v1/datasets', i),
      list: async (name) => (await this.req<{ items: DatasetVersion[] }>('GET', name ? `/api/v1/datasets/${e(name)}` : '/api/v1/datasets')).items,
      get: async (name, v) => {
        const n = v ?? (await this.req<{ items: DatasetVersion[] }>('GET', `/api/v1/datasets/${e(name)}`)).items[0]?.version;
        if (n === undefined) throw new CapstanError('NOT_FOUND', `dataset "${name}" not found`);
        return this.req('GET', `/api/v1/datasets/${e(name)}/versions/${n}`);
      },
    };
    this.models = {
      createModel: (i) => this.req<RegisteredModel>('POST', '/api/v1/models', { name: i.name, description: i.description, tags: i.tags }),
      getModel: (name) => this.req('GET', `/api/v1/models/${e(name)}`),
      listModels: (o = {}) => this.req('GET', `/api/v1/models${pageQuery(o, { nameLike: o.nameLike })}`),
      setModelTag: async (name, key, value) => void (await this.req('PUT', `/api/v1/models/${e(name)}/tags/${e(key)}`, { value })),
      setPolicy: (name, patch) => this.req('PUT', `/api/v1/models/${e(name)}/policy`, patch),
      setTraffic: async (name, spec) => {
        if (spec === null) await this.req('DELETE', `/api/v1/models/${e(name)}/traffic`);
        else await this.req('PUT', `/api/v1/models/${e(name)}/traffic`, spec);
        return this.req<RegisteredModel>('GET', `/api/v1/models/${e(name)}`);
      },
      createVersion: async (i) => version(await this.req<ModelVersion>('POST', `/api/v1/models/${e(i.name)}/versions`, { runId: i.runId, source: i.source, digest: i.digest, description: i.description, tags: i.tags })),
      getVersion: async (name, v) => version(await this.req<ModelVersion>('GET', `/api/v1/models/${e(name)}/versions/${v}`)),
      latestVersion: async (name) => {
        const m = await this.req<RegisteredModel>('GET', `/api/v1/models/${e(name)}`);
        if (m.latestVersion === 0) throw new CapstanError('NOT_FOUND', `model "${name}" not found`);
        return version(await this.req<ModelVersion>('GET', `/api/v1/models/${e(name)}/versions/${m.latestVersion}`));
      },
      listVersions: async (name, o = {}) => {
        const p = await this.req<Page<ModelVersion>>('GET', `/api/v1/models/${e(name)}/versions${pageQuery(o)}`);
        return { ...p, items: p.items.map(version) };
      },
      setVersionTag: async (name, v, key, value) => void (await this.req('PUT', `/api/v1/models/${e(name)}/versions/${v}/tags/${e(key)}`, { value })),
      setAlias: async (name, alias, v, _actor, reason) => void (await this.req('PUT', `/api/v1/models/${e(name)}/aliases/${e(alias)}`, { version: v, reason })),
      deleteAlias: async (name, alias, _actor, reason) => void (await this.req('DELETE', `/api/v1/models/${e(name)}/aliases/${e(alias)}${reason ? `?reason=${e(reason)}` : ''}`)),
      resolveAlias: async (name, alias) => version(await this.req<ModelVersion>('GET', `/api/v1/models/${e(name)}/aliases/${e(alias)}`)),
      aliasVersion: async (name, alias) => {
        try {
          return (await this.req<ModelVersion>('GET', `/api/v1/models/${e(name)}/aliases/${e(alias)}`)).version;
        } catch (err) {
          if ((err as CapstanError).code === 'NOT_FOUND') return null;
          throw err;
        }
      },
      approve: (i: { name: string; version: number; alias: string; approver: Principal; comment: string }) => this.req<Approval>('POST', `/api/v1/models/${e(i.name)}/versions/${i.version}/approvals`, { alias: i.alias, comment: i.comment }),
      listApprovals: async (name) => (await this.req<{ items: Approval[] }>('GET', `/api/v1/models/${e(name)}/approvals`)).items,
    };
    this.audit = {
      list: (o = {}) => this.req<Page<AuditEvent>>('GET', `/api/v1/audit${pageQuery(o, { entity: o.entity })}`),
      record: async () => {
        throw new CapstanError('INVALID_ARGUMENT', 'the audit log is written by the server, not over the API');
      },
    };
    this.predictions = {
      append: async (records) => {
        await this.req('POST', '/api/v1/predictions', { records });
      },
      get: (id) => this.req<PredictionRecord>('GET', `/api/v1/predictions/${e(id)}`),
      list: (o = {}) => this.req<Page<PredictionRecord>>('GET', `/api/v1/predictions${pageQuery(o, { model: o.model, since: o.since === undefined ? undefined : String(o.since) })}`),
      prune: async (rule, opts = {}) => (await this.req<{ deleted: number }>('POST', '/api/v1/predictions/prune', { ...rule, ...opts })).deleted,
    };
    this.tokens = {
      create: async (i: { name: string; role: Role }) => {
        const r = await this.req<ApiToken & { token: string }>('POST', '/api/v1/tokens', { name: i.name, role: i.role });
        const { token, ...info } = r;
        return { token, info };
      },
      verify: async (token) => {
        try {
          return await new CapstanClient(this.url, token).whoami();
        } catch (err) {
          if ((err as CapstanError).code === 'UNAUTHENTICATED') return null;
          throw err;
        }
      },
      revocations: 0,
      list: async () => (await this.req<{ items: ApiToken[] }>('GET', '/api/v1/tokens')).items,
      revoke: async (name) => void (await this.req('DELETE', `/api/v1/tokens/${e(name)}`)),
    };
  }

  /** Who this client's token belongs to. */
  whoami(): Promise<Principal> {
    return this.req('GET', '/api/v1/whoami');
  }

  /** Upload an artifact's content for a run (streamed by the server into a content-addressed blob). */
  async uploadArtifact(runId: string, path: string, content: Uint8Array | string): Promise<ArtifactEntry> {
    const body = typeof content === 'string' ? content : Buffer.from(content);
    return this.req('PUT', `/api/v1/runs/${e(runId)}/artifacts/${path.split('/').map(e).join('/')}`, undefined, body);
  }

  /** One request; an error answer becomes the CapstanError it was on the server (same code and message). */
  async req<T>(method: string, path: string, body?: unknown, raw?: string | Buffer): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: (raw ?? (body === undefined ? undefined : stringifyApiJson(body))) as RequestInit['body'],
      });
    } catch (err) {
      throw new CapstanError('UNAVAILABLE', `cannot reach the Capstan server at ${this.url}: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (res.status >= 400) {
      let code: ErrorCode = res.status === 404 ? 'NOT_FOUND' : res.status === 401 ? 'UNAUTHENTICATED' : res.status === 403 ? 'PERMISSION_DENIED' : 'INTERNAL';
      let message = `${method} ${path} answered ${res.status}`;
      try {
        const parsed = JSON.parse(text) as { error?: { code?: ErrorCode; message?: string } };
        if (parsed.error?.code) code = parsed.error.code;
        if (parsed.error?.message) message = parsed.error.message;
      } catch {
        // not JSON: keep the status-derived error
      }
      throw new CapstanError(code, message);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async close(): Promise<void> {
    // stateless: nothing to release
  }
}
