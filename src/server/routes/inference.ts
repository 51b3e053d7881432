import { modelMetadata } from '../../serve/index.ts';
import type { ModelProvider } from '../model-provider.ts';
import type { ApiRequest, Router } from '../router.ts';

/** KServe V2 model routes: metadata, readiness and infer, with or without an explicit version. */
export function inferenceRoutes(router: Router, models: ModelProvider): void {
  const meta = async (req: ApiRequest) => {
    const served = await models.get(req.params.name, req.params.version);
    return { status: 200, body: modelMetadata(req.params.name, await models.versions(req.params.name), served.loaded.manifest) };
  };
  const ready = async (req: ApiRequest) => {
    await models.get(req.params.name, req.params.version);
    return { status: 200, body: { name: req.params.name, ready: true } };
  };
  const infer = async (req: ApiRequest) => {
    const served = await models.get(req.params.name, req.params.version);
    return { status: 200, body: served.infer(req.body, req.params.name) };
  };
  for (const prefix of ['/v2/models/:name', '/v2/models/:name/versions/:version']) {
    router.add('GET', prefix, meta, { errors: 'v2', role: 'viewer', tag: 'inference' });
    router.add('GET', `${prefix}/ready`, ready, { errors: 'v2', role: 'viewer', tag: 'inference' });
    router.add('POST', `${prefix}/infer`, infer, { errors: 'v2', role: 'viewer', tag: 'inference' });
  }
}
