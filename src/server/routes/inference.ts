import { Readable } from 'node:stream';
import { invalid, isCapstanError } from '../../core/errors.ts';
import { checkName } from '../../core/names.ts';
import { modelMetadata, renderPrometheus, type Answered, type ServedModel, type ServingHooks } from '../../serve/index.ts';
import { andThen, guard, type MaybePromise } from '../../core/maybe-async.ts';
import type { ModelProvider } from '../model-provider.ts';
import { api } from '../../api/index.ts';
import type { ApiRequest, ApiResponse, Router } from '../router.ts';

/**
 * KServe V2 model routes (metadata, readiness and infer, with or without an explicit version), MLflow's scoring route
 * `POST /invocations` (the served model, or `?model=NAME[&version=N]` on a server with many) and `/metrics`.
 */
export function inferenceRoutes(router: Router, models: ModelProvider, hooks: ServingHooks): void {
  // one path for every prediction: resolve the version, answer, count, log (the log write happens later, off this path);
  // synchronous from end to end when the model answers at once
  const predict = (req: ApiRequest, protocol: string, name: string, version: string | undefined, fn: (s: ServedModel) => MaybePromise<Answered>): MaybePromise<ApiResponse> => {
    const t0 = performance.now();
    let served: ServedModel | null = null;
    const answered = (a: Answered): ApiResponse => {
      const s = served!;
      const seconds = (performance.now() - t0) / 1000;
      // the body's text is the answer and the log's record of it
      const json = a.json;
      if (a.humility) {
        for (const [rule, rows] of a.humility.fired) hooks.monitor.humility(name, s.versionLabel, s.loaded.manifest, rule, rows.length);
        // refused: counted per rule above, and as a failed request by the error path
        if (a.humility.refusal) throw a.humility.refusal;
      }
      hooks.metrics.observe(name, s.versionLabel, protocol, 200, seconds);
      hooks.monitor.answered(name, s.versionLabel, s.loaded.manifest, a.table, a.predictions, seconds * 1000);
      hooks.log?.push({ id: a.predictionId, model: name, version: s.versionLabel, at: Date.now(), latencyMs: seconds * 1000, table: a.table, outputs: json, shadow: false });
      // after the answer is on its way
      if (version === undefined && models.shadows) setImmediate(() => void shadowCopy(name, s, a));
      return { status: 200, json, headers: { 'x-prediction-id': a.predictionId, 'x-model-version': s.versionLabel } };
    };
    return guard(
      () =>
        andThen(models.get(name, version, req.headers), (s) => {
          served = s;
          return andThen(fn(s), answered);
        }),
      (e) => {
        // a model that does not exist is not a label: unknown names would grow the series without bound
        const ms = performance.now() - t0;
        hooks.metrics.observe(served ? name : '(unknown)', served?.versionLabel ?? '', protocol, isCapstanError(e) ? e.httpStatus : 500, ms / 1000);
        if (served) hooks.monitor.failed(name, served.versionLabel, served.loaded.manifest, ms);
        throw e;
      },
    );
  };
  // a shadow version gets the same rows after the answer has gone; its answer is logged (shadow), never returned
  const shadowCopy = async (name: string, primary: ServedModel, a: Answered) => {
    let shadow: ServedModel | null = null;
    const t0 = performance.now();
    try {
      shadow = await models.shadow(name);
      if (!shadow || shadow === primary) return;
      const s = await shadow.shadowAnswer(a.table, a.predictionId);
      const seconds = (performance.now() - t0) / 1000;
      hooks.metrics.observe(name, shadow.versionLabel, 'shadow', 200, seconds);
      hooks.monitor.answered(name, shadow.versionLabel, shadow.loaded.manifest, a.table, s.predictions, seconds * 1000);
      hooks.log?.push({ id: s.predictionId, model: name, version: shadow.versionLabel, at: Date.now(), latencyMs: seconds * 1000, table: a.table, outputs: s.json, shadow: true });
    } catch (e) {
      hooks.metrics.observe(name, shadow?.versionLabel ?? '', 'shadow', isCapstanError(e) ? e.httpStatus : 500, (performance.now() - t0) / 1000);
    }
  };
  const meta = async (req: ApiRequest) => {
    const served = await models.get(req.params.name, req.params.version);
    return { status: 200, body: modelMetadata(req.params.name, await models.versions(req.params.name), served.loaded.manifest) };
  };
  const ready = async (req: ApiRequest) => {
    await models.get(req.params.name, req.params.version);
    return { status: 200, body: { name: req.params.name, ready: true } };
  };
  const infer = (req: ApiRequest) => predict(req, 'v2', req.params.name, req.params.version, (s) => s.infer(req.body, req.params.name));
  router.on(api.modelMeta, meta);
  router.on(api.versionMeta, meta);
  router.on(api.modelReady, ready);
  router.on(api.versionReady, ready);
  router.on(api.infer, infer);
  router.on(api.versionInfer, infer);
  router.on(api.invocations, (req) => {
    const asked = req.query.get('model');
    // a name from the query string is checked as path parameters are (a registered name, never a path)
    const name = asked !== null ? checkName('model', asked) : models.defaultName();
    if (name === null) throw invalid('this server serves many models: name one with ?model=NAME (and &version=N)');
    return predict(req, 'mlflow', name, req.query.get('version') ?? undefined, (s) => s.invocations(req.body));
  });
  router.on(api.metrics, async () => ({ status: 200, stream: Readable.from([renderPrometheus(await hooks.collect())]), headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } }));
}
