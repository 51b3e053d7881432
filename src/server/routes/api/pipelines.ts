import { mkdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { api } from '../../../api/index.ts';
import type { Stores } from '../../../store/index.ts';
import type { Router } from '../../router.ts';
import { actor, pageOf, principal } from './fields.ts';

/* The pipeline engine loads on the first pipeline request, not with the server. */
const engine = () => import('../../../pipeline/index.ts');

/**
 * Pipelines over the API: lint a spec, start a run on the server (steps run in the server process, with its access to files and
 * programs: the admin role), follow it, read a step's log. Relative paths in a spec are read from the home's `pipelines/`.
 */
export function pipelineRoutes(router: Router, stores: Stores, log: (line: string) => void = () => undefined): void {
  router.on(api.lintPipeline, async ({ body }) => {
    const { compilePipeline } = await engine();
    return { status: 200, body: { problems: compilePipeline(body.spec).problems } };
  });
  router.on(api.startPipeline, async (req) => {
    const { compileOrThrow, runCompiledPipeline } = await engine();
    const pipeline = compileOrThrow(req.body.spec, undefined, 'spec');
    const baseDir = `${stores.home}/pipelines`;
    await mkdir(baseDir, { recursive: true });
    const runId = await new Promise<string>((resolve, reject) => {
      runCompiledPipeline(pipeline, {
        stores,
        actor: principal(req),
        params: req.body.params ?? {},
        baseDir,
        noCache: req.body.noCache === true,
        onRunCreated: resolve,
      }).then(
        (r) => log(`pipeline ${pipeline.spec.name}: run ${r.runId} ${r.status} in ${r.seconds.toFixed(1)} s`),
        (e: Error) => {
          // before the run existed (its parameters): the request's error; after: the run records it
          reject(e);
          log(`pipeline ${pipeline.spec.name}: ${e.message}`);
        },
      );
    });
    return { status: 202, body: { runId } };
  });
  router.on(api.listPipelineRuns, async ({ q }) => ({ status: 200, body: await (await engine()).listPipelineRuns(stores, { ...pageOf(q), ...(q.pipeline !== undefined ? { pipeline: q.pipeline } : {}) }) }));
  router.on(api.cancelPipelineRun, async (req) => {
    await (await engine()).cancelPipelineRun(stores, req.params.runId, actor(req));
    return { status: 202, body: { runId: req.params.runId } };
  });
  router.on(api.getPipelineRun, async ({ params }) => ({ status: 200, body: await (await engine()).describePipelineRun(stores, params.runId) }));
  router.on(api.getStepLog, async ({ params }) => ({
    status: 200,
    stream: Readable.from([await (await engine()).stepLog(stores, params.runId, params.step)]),
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  }));
  router.on(api.listComponents, async () => {
    const { COMPONENTS } = await engine();
    return { status: 200, body: { items: [...COMPONENTS.values()].map((c) => ({ name: c.name, version: c.version, description: c.description, inputs: c.inputs, outputs: c.outputs })) } };
  });
}
