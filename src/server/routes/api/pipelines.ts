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
    const runId = await (await engine()).startPipeline(stores, req.body.spec, req.body.params ?? {}, principal(req), { noCache: req.body.noCache, log });
    return { status: 202, body: { runId } };
  });
  router.on(api.listSchedules, async () => ({ status: 200, body: { items: await stores.metadata.schedules.list() } }));
  router.on(api.getSchedule, async ({ params }) => ({ status: 200, body: await stores.metadata.schedules.get(params.name) }));
  router.on(api.putSchedule, async (req) => {
    const { compileOrThrow, nextFire } = await engine();
    compileOrThrow(req.body.spec, undefined, 'spec');
    const nextAt = nextFire(req.body.cron, Date.now());
    return { status: 200, body: await stores.metadata.schedules.put({ name: req.params.name, spec: req.body.spec, cron: req.body.cron, params: req.body.params ?? {}, nextAt, actor: actor(req) }) };
  });
  router.on(api.deleteSchedule, async (req) => {
    await stores.metadata.schedules.delete(req.params.name, actor(req));
    return { status: 204 };
  });
  router.on(api.listPipelineRuns, async ({ q }) => ({ status: 200, body: await (await engine()).listPipelineRuns(stores, { ...pageOf(q), ...(q.pipeline !== undefined ? { pipeline: q.pipeline } : {}) }) }));
  router.on(api.cancelPipelineRun, async (req) => {
    await (await engine()).cancelPipelineRun(stores, req.params.runId, actor(req));
    return { status: 202, body: { runId: req.params.runId } };
  });
  router.on(api.resumePipelineRun, async (req) => {
    const runId = await (await engine()).startResume(stores, req.params.runId, principal(req), log);
    return { status: 202, body: { runId } };
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
