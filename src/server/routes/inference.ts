import { invalid } from '../../core/errors.ts';
import { modelMetadata, type Answered } from '../../serve/index.ts';
import type { ModelProvider } from '../model-provider.ts';
import type { ApiRequest, ApiResponse, Router } from '../router.ts';

function answer(a: Answered): ApiResponse {
  // model outputs are finite (the estimator battery checks it), so the body needs no NaN handling
  return { status: 200, body: a.body, headers: { 'x-prediction-id': a.predictionId }, finite: true };
}

/**
 * KServe V2 model routes (metadata, readiness and infer, with or without an explicit version) and MLflow's scoring route
 * `POST /invocations` (the served model, or `?model=NAME[&version=N]` on a server with many).
 */
export function inferenceRoutes(router: Router, models: ModelProvider): void {
  const meta = async (req: ApiRequest) => {
    const served = await models.get(req.params.name, req.params.version);
    return { status: 200, body: modelMetadata(req.params.name, await models.versions(req.params.name), served.loaded.manifest) };
  };
  const ready = async (req: ApiRequest) => {
    await models.get(req.params.name, req.params.version);
    return { status: 200, body: { name: req.params.name, ready: true } };
  };
  const infer = async (req: ApiRequest) => answer((await models.get(req.params.name, req.params.version)).infer(req.body, req.params.name));
  for (const prefix of ['/v2/models/:name', '/v2/models/:name/versions/:version']) {
    router.add('GET', prefix, meta, { errors: 'v2', role: 'viewer', tag: 'inference' });
    router.add('GET', `${prefix}/ready`, ready, { errors: 'v2', role: 'viewer', tag: 'inference' });
    router.add('POST', `${prefix}/infer`, infer, { errors: 'v2', role: 'viewer', tag: 'inference' });
  }
  router.add(
    'POST',
    '/invocations',
    async (req) => {
      const name = req.query.get('model') ?? models.defaultName();
      if (name === null) throw invalid('this server serves many models: name one with ?model=NAME (and &version=N)');
      return answer((await models.get(name, req.query.get('version') ?? undefined)).invocations(req.body));
    },
    { errors: 'mlflow', role: 'viewer', tag: 'inference', summary: "MLflow's scoring format: dataframe_split, dataframe_records, instances or inputs" },
  );
}
