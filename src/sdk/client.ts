import type { Static, TObject, TSchema } from '@sinclair/typebox';
import { CapstanError, orNullIfNotFound, type ErrorCode } from '../core/errors.ts';
import { stringifyApiJson } from '../core/json.ts';
import { api, type BodyOf, type Contract, type PathParams, type PipelineSpec, type QueryOf, type records, type ResultOf } from '../api/index.ts';
import type {
  AuditStore, DatasetStore, ExperimentStore, MetadataStore, ModelStore, PredictionStore, RunSearch, RunStore, ScheduleStore, TokenStore, MonitorStore,
} from '../store/metadata-store.ts';
import type { ModelVersion, Principal, RegisteredModel, Run, StepRecord } from '../store/types.ts';

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };
/** A double from the API (NaN and the infinities arrive as strings). */
const num = (v: number | string): number => (typeof v === 'string' ? (NON_FINITE[v] ?? Number(v)) : v);
const numbers = (o: Record<string, number | string>): Record<string, number> => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, num(v)]));
const run = (r: Static<typeof records.Run>): Run => ({ ...r, metrics: numbers(r.metrics) });
const version = (v: Static<typeof records.ModelVersion>): ModelVersion => ({ ...v, metrics: numbers(v.metrics) });

/** What a call of a route sends: its path parameters, query and body, typed by the route's declaration. */
export type CallArgs<C extends Contract> = ([PathParams<C['path']>] extends [never] ? unknown : { params: { [K in PathParams<C['path']>]: string | number } }) &
  (C['query'] extends TObject ? { query?: QueryOf<C> } : unknown) &
  (C['body'] extends TSchema ? { body: BodyOf<C> } : C['body'] extends 'stream' ? { content: string | Uint8Array } : unknown);

/** The URL path and query of a call. */
function target(c: Contract, args: { params?: Record<string, string | number>; query?: Record<string, unknown> }): string {
  const path = c.path.replace(/([:*])([A-Za-z]+)/g, (_m, kind: string, name: string) => {
    const v = String(args.params?.[name]);
    return kind === '*' ? v.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(v);
  });
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(args.query ?? {})) {
    if (v === undefined || v === null) continue;
    for (const x of Array.isArray(v) ? v : [v]) q.append(k, String(x));
  }
  const qs = q.toString();
  return qs ? `${path}?${qs}` : path;
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
  readonly schedules: ScheduleStore;
  readonly monitor: MonitorStore;

  constructor(
    readonly url: string,
    private readonly token: string,
  ) {
    this.experiments = {
      create: (i) => this.call(api.createExperiment, { body: i }),
      ensure: async (name) => {
        try {
          return await this.call(api.createExperiment, { body: { name } });
        } catch (err) {
          if ((err as CapstanError).code === 'ALREADY_EXISTS') return (await this.call(api.listExperiments, { query: { name } })).items[0];
          throw err;
        }
      },
      get: (id) => this.call(api.getExperiment, { params: { experimentId: id } }),
      getByName: async (name) => (await this.call(api.listExperiments, { query: { name } })).items[0],
      list: (o = {}) => this.call(api.listExperiments, { query: { limit: o.limit, cursor: o.cursor ?? undefined, include_deleted: o.includeDeleted } }),
      setTag: (id, key, value) => this.call(api.setExperimentTag, { params: { experimentId: id, key }, body: { value } }),
    };
    this.runs = {
      create: async (i) => run(await this.call(api.createRun, { body: i })),
      get: async (id) => run(await this.call(api.getRun, { params: { runId: id } })),
      search: async (q: RunSearch = {}) => {
        const p = await this.call(api.searchRuns, { body: q });
        return { ...p, items: p.items.map(run) };
      },
      update: async (id, patch) => run(await this.call(api.updateRun, { params: { runId: id }, body: patch })),
      delete: (id) => this.call(api.deleteRun, { params: { runId: id } }),
      logBatch: (id, batch) => this.call(api.logBatch, { params: { runId: id }, body: batch }),
      metricHistory: async (id, key) => (await this.call(api.metricHistory, { params: { runId: id }, query: { key } })).items.map((p) => ({ ...p, value: num(p.value) })),
      deleteTag: (id, key) => this.call(api.deleteRunTag, { params: { runId: id, key } }),
      recordStep: async (_s: StepRecord) => {
        throw new CapstanError('INVALID_ARGUMENT', 'pipeline steps are recorded by the process that runs them, not over the API');
      },
      listSteps: async (id) => (await this.call(api.listSteps, { params: { runId: id } })).items,
      linkDataset: (runId, datasetId, role) => this.call(api.linkRunDataset, { params: { runId }, body: { datasetId, role } }),
      listDatasets: async (id) => (await this.call(api.listRunDatasets, { params: { runId: id } })).items,
      putArtifact: async (_entry) => {
        throw new CapstanError('INVALID_ARGUMENT', 'upload artifacts with uploadArtifact (the content, not a digest)');
      },
      getArtifact: async (runId, path) => {
        const hit = (await this.call(api.listArtifacts, { params: { runId } })).items.find((a) => a.path === path);
        if (!hit) throw new CapstanError('NOT_FOUND', `run ${runId} has no artifact "${path}"`);
        return hit;
      },
      listArtifacts: async (runId) => (await this.call(api.listArtifacts, { params: { runId } })).items,
    };
    this.datasets = {
      register: (i) => this.call(api.registerDataset, { body: i }),
      list: async (name) => (name ? await this.call(api.listDatasetVersions, { params: { name } }) : await this.call(api.listDatasets, {})).items,
      get: async (name, v) => {
        const n = v ?? (await this.call(api.listDatasetVersions, { params: { name } })).items[0]?.version;
        if (n === undefined) throw new CapstanError('NOT_FOUND', `dataset "${name}" not found`);
        return this.call(api.getDatasetVersion, { params: { name, version: n } });
      },
      addValidation: ({ name, version: v, actor: _actor, ...findings }) => this.call(api.addDatasetValidation, { params: { name, version: v }, body: findings }),
      listValidations: async (name, v, o = {}) => (await this.call(api.listDatasetValidations, { params: { name, version: v }, query: { limit: o.limit } })).items,
    };
    this.models = {
      createModel: (i) => this.call(api.createModel, { body: { name: i.name, description: i.description, tags: i.tags } }),
      getModel: (name) => this.call(api.getModel, { params: { name } }),
      listModels: async (o = {}) => {
        const p = await this.call(api.listModels, { query: { limit: o.limit, cursor: o.cursor ?? undefined, nameLike: o.nameLike } });
        // a server with a registry lists registered models (a single-model server only the names it serves)
        return { ...p, items: p.items.filter((m): m is RegisteredModel => 'latestVersion' in m) };
      },
      setModelTag: (name, key, value) => this.call(api.setModelTag, { params: { name, key }, body: { value } }),
      setPolicy: (name, patch) => this.call(api.setPolicy, { params: { name }, body: patch }),
      setTraffic: async (name, spec) => {
        if (spec === null) await this.call(api.deleteTraffic, { params: { name } });
        else await this.call(api.setTraffic, { params: { name }, body: spec });
        return this.call(api.getModel, { params: { name } });
      },
      createVersion: async (i) => version(await this.call(api.createVersion, { params: { name: i.name }, body: { runId: i.runId, source: i.source, digest: i.digest, description: i.description, tags: i.tags } })),
      getVersion: async (name, v) => version(await this.call(api.getVersion, { params: { name, version: v } })),
      latestVersion: async (name) => {
        const m = await this.call(api.getModel, { params: { name } });
        if (m.latestVersion === 0) throw new CapstanError('NOT_FOUND', `model "${name}" not found`);
        return version(await this.call(api.getVersion, { params: { name, version: m.latestVersion } }));
      },
      listVersions: async (name, o = {}) => {
        const p = await this.call(api.listVersions, { params: { name }, query: { limit: o.limit, cursor: o.cursor ?? undefined } });
        return { ...p, items: p.items.map(version) };
      },
      setVersionTag: (name, v, key, value) => this.call(api.setVersionTag, { params: { name, version: v, key }, body: { value } }),
      setCard: (name, v, text) => this.call(api.setCard, { params: { name, version: v }, body: { text } }),
      getCard: async (name, v) => (await this.call(api.getCard, { params: { name, version: v } })).card,
      setAlias: async (name, alias, v, _actor, reason) => void (await this.call(api.setAlias, { params: { name, alias }, body: { version: v, reason } })),
      deleteAlias: (name, alias, _actor, reason) => this.call(api.deleteAlias, { params: { name, alias }, query: { reason: reason || undefined } }),
      resolveAlias: async (name, alias) => version(await this.call(api.resolveAlias, { params: { name, alias } })),
      aliasVersion: async (name, alias) => (await orNullIfNotFound(this.call(api.resolveAlias, { params: { name, alias } })))?.version ?? null,
      approve: (i: { name: string; version: number; alias: string; approver: Principal; comment: string }) => this.call(api.approve, { params: { name: i.name, version: i.version }, body: { alias: i.alias, comment: i.comment } }),
      listApprovals: async (name) => (await this.call(api.listApprovals, { params: { name } })).items,
    };
    this.audit = {
      list: (o = {}) => this.call(api.listAudit, { query: { limit: o.limit, cursor: o.cursor ?? undefined, entity: o.entity } }),
      record: async () => {
        throw new CapstanError('INVALID_ARGUMENT', 'the audit log is written by the server, not over the API');
      },
    };
    this.predictions = {
      append: (records) => this.call(api.appendPredictions, { body: { records } }),
      get: (id) => this.call(api.getPrediction, { params: { predictionId: id } }),
      list: (o = {}) => this.call(api.listPredictions, { query: { limit: o.limit, cursor: o.cursor ?? undefined, model: o.model, since: o.since } }),
      prune: async (rule, opts = {}) => (await this.call(api.prunePredictions, { body: { ...rule, ...opts } })).deleted,
    };
    this.schedules = {
      // the server computes the next time from the cron expression (nextAt is not sent)
      put: (i) => this.call(api.putSchedule, { params: { name: i.name }, body: { spec: i.spec as PipelineSpec, cron: i.cron, params: i.params } }),
      get: (name) => this.call(api.getSchedule, { params: { name } }),
      list: async () => (await this.call(api.listSchedules, {})).items,
      delete: (name) => this.call(api.deleteSchedule, { params: { name } }),
      claim: async () => {
        throw new CapstanError('INVALID_ARGUMENT', 'schedules are claimed by the servers that fire them, not over the API');
      },
      fired: async () => {
        throw new CapstanError('INVALID_ARGUMENT', 'schedules are fired by the servers, not over the API');
      },
    };
    const servers = (what: string) => async (): Promise<never> => {
      throw new CapstanError('INVALID_ARGUMENT', `${what}; read monitoring with client.monitoring.report`);
    };
    this.monitor = {
      addWindows: servers('monitoring windows are written by serving processes, not over the API'),
      windows: servers('windows are read by the server'),
      compact: servers('windows are compacted by the serving processes'),
      // the server joins each actual to its logged prediction itself
      putActuals: async (records) => {
        const r = await this.call(api.postActuals, { body: { actuals: records.map((a) => ({ id: a.predictionId, row: a.row, value: a.actual })) } });
        return { inserted: r.inserted, duplicates: r.duplicates };
      },
      actuals: servers('actuals are read by the server'),
      putPolicy: (model, spec) => this.call(api.putPolicy, { params: { name: model }, body: spec as BodyOf<typeof api.putPolicy> }),
      getPolicy: (model, v) => this.call(api.getPolicy, { params: { name: model }, query: v === undefined ? {} : { version: String(v) } }),
      listPolicies: async () => (await this.call(api.listPolicies, {})).items,
      openAlert: servers('alerts are raised by the server evaluating its policies'),
      resolveAlert: servers('alerts are resolved by the server evaluating its policies'),
      acknowledgeAlert: (id) => this.call(api.acknowledgeAlert, { params: { alertId: id } }),
      listAlerts: async (o = {}) => (await this.call(api.listAlerts, { query: { model: o.model, status: o.status } })).items,
    };
    this.tokens = {
      create: async (i) => {
        const { token, ...info } = await this.call(api.createToken, { body: { name: i.name, role: i.role } });
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
      list: async () => (await this.call(api.listTokens, {})).items,
      revoke: (name) => this.call(api.revokeToken, { params: { tokenName: name } }),
    };
  }

  /** Monitoring: a model's windows (health, data quality, drift, accuracy) and actuals for its logged predictions. */
  readonly monitoring = {
    report: (name: string, q: QueryOf<typeof api.monitorModel> = {}) => this.call(api.monitorModel, { params: { name }, query: q }),
    /** ground truth by prediction id (and row of a multi-row request); ids with no logged prediction come back unmatched */
    actuals: (actuals: BodyOf<typeof api.postActuals>['actuals']) => this.call(api.postActuals, { body: { actuals } }),
    /** a prediction's lineage: model version, training run and steps, datasets, actuals, deployment, alerts, later versions */
    lineage: (predictionId: string) => this.call(api.predictionLineage, { params: { predictionId } }),
    /** replay a window of logged requests against another version (see capstan replay) */
    replay: (body: BodyOf<typeof api.replayModel>) => this.call(api.replayModel, { body }),
    /** evaluate every policy's alert rules now (admin) */
    evaluate: () => this.call(api.evaluateAlerts, {}),
    /** a model version's humility rules */
    humility: (name: string, version: number) => this.call(api.getHumility, { params: { name, version: String(version) } }),
    /** set (a list) or clear (null) a version's humility rules; checked against the model by the server */
    setHumility: (name: string, version: number, rules: unknown[] | null) => this.call(api.putHumility, { params: { name, version: String(version) }, body: { rules } }),
  };

  /** Pipelines on the server: lint a spec, start a run (admin), follow it, read a step's log. */
  readonly pipelines = {
    lint: async (spec: PipelineSpec) => (await this.call(api.lintPipeline, { body: { spec } })).problems,
    start: async (spec: PipelineSpec, params: Record<string, unknown> = {}, opts: { noCache?: boolean } = {}) => (await this.call(api.startPipeline, { body: { spec, params, ...opts } })).runId,
    get: (runId: string) => this.call(api.getPipelineRun, { params: { runId } }),
    /** Go on with a run on the server: steps that succeeded keep their results, the others run. */
    resume: async (runId: string) => (await this.call(api.resumePipelineRun, { params: { runId } })).runId,
    cancel: async (runId: string) => (await this.call(api.cancelPipelineRun, { params: { runId } })).runId,
    /** Poll until the run is no longer RUNNING (every `intervalMs`), then its final view. */
    wait: async (runId: string, intervalMs = 500) => {
      for (;;) {
        const view = await this.call(api.getPipelineRun, { params: { runId } });
        if (view.status !== 'RUNNING') return view;
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    },
    log: (runId: string, step: string) => this.text(api.getStepLog, { params: { runId, step } }),
    components: async () => (await this.call(api.listComponents, {})).items,
  };

  /** Who this client's token belongs to. */
  whoami(): Promise<Principal> {
    return this.call(api.whoami, {});
  }

  /** Upload an artifact's content for a run (streamed by the server into a content-addressed blob). */
  uploadArtifact(runId: string, path: string, content: Uint8Array | string) {
    return this.call(api.putArtifact, { params: { runId, path }, content });
  }

  /**
   * Call a declared route (`api.getRun`, ...): parameters, query and body are typed by its declaration, and so is the answer.
   * An error answer becomes the CapstanError it was on the server (same code and message).
   */
  async call<C extends Contract>(c: C, args: CallArgs<C>): Promise<ResultOf<C>> {
    const text = await this.text(c, args);
    return (text ? JSON.parse(text) : undefined) as ResultOf<C>;
  }

  /** Call a declared route and take its answer as text (a log, Prometheus metrics); errors as `call`. */
  async text<C extends Contract>(c: C, args: CallArgs<C>): Promise<string> {
    const a = args as { params?: Record<string, string | number>; query?: Record<string, unknown>; body?: unknown; content?: string | Uint8Array };
    const path = target(c, a);
    const body = a.content !== undefined ? (typeof a.content === 'string' ? a.content : Buffer.from(a.content)) : a.body === undefined ? undefined : stringifyApiJson(a.body);
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method: c.method,
        headers: { authorization: `Bearer ${this.token}`, ...(a.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body as RequestInit['body'],
      });
    } catch (err) {
      throw new CapstanError('UNAVAILABLE', `cannot reach the Capstan server at ${this.url}: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (res.status >= 400) {
      let code: ErrorCode = res.status === 404 ? 'NOT_FOUND' : res.status === 401 ? 'UNAUTHENTICATED' : res.status === 403 ? 'PERMISSION_DENIED' : 'INTERNAL';
      let message = `${c.method} ${path} answered ${res.status}`;
      try {
        const parsed = JSON.parse(text) as { error?: { code?: ErrorCode; message?: string } };
        if (parsed.error?.code) code = parsed.error.code;
        if (parsed.error?.message) message = parsed.error.message;
      } catch {
        // not JSON: keep the status-derived error
      }
      throw new CapstanError(code, message);
    }
    return text;
  }

  async close(): Promise<void> {
    // stateless: nothing to release
  }
}
