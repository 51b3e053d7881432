import { invalid } from '../../core/errors.ts';
import { readBlob } from '../../store/index.ts';
import type { WorkQueue } from '../../queue/index.ts';
import { compileOrThrow } from '../define/compile.ts';
import type { PipelineSpec } from '../define/schema.ts';
import { runPipelineOnWorkers } from './distributed.ts';
import { BASE_DIR_TAG, drive, paramsOfRun, type PipelineRunResult, type RunOptions } from './run.ts';
import { recorded } from './workflow.ts';

/**
 * Go on with a pipeline run whose ordering process ended before the run did (a killed `capstan pipeline run`, a machine that
 * went down): the spec and parameters come from the run itself, the steps that succeeded keep their results, and every other
 * step runs (a step left RUNNING by the dead process gets its stale run marked failed first), here or on workers.
 */
export async function resumePipelineRun(runId: string, o: Omit<RunOptions, 'params' | 'baseDir'> & { queue?: WorkQueue }): Promise<PipelineRunResult> {
  const t0 = performance.now();
  const meta = o.stores.metadata;
  const run = await meta.runs.get(runId);
  if (run.tags['capstan.kind'] !== 'pipeline') throw invalid(`run ${runId} is not a pipeline run`);
  if (run.status === 'FINISHED' || run.status === 'KILLED') throw invalid(`run ${runId} ended ${run.status}: there is nothing to resume`);
  const spec = JSON.parse((await readBlob(o.stores.artifacts, (await meta.runs.getArtifact(run.id, 'pipeline.json')).digest)).toString('utf8')) as PipelineSpec;
  const p = compileOrThrow(spec);
  const all = [...p.steps, ...p.final].map((s) => s.name);
  const done = new Map([...(await recorded(o.stores, run, all))].filter(([, r]) => r.status === 'SUCCEEDED'));
  if (run.status !== 'RUNNING') await meta.runs.update(run.id, { status: 'RUNNING', endTime: null });
  o.onRunCreated?.(run.id);
  const opts = { ...o, params: {}, resumed: true, baseDir: run.tags[BASE_DIR_TAG] ?? process.cwd() };
  if (o.queue) return runPipelineOnWorkers(p, { ...opts, queue: o.queue, resume: { run, done } });
  return drive(p, opts, run, paramsOfRun(p, run), done, t0);
}
