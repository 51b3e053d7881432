import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { WorkQueue } from '../../queue/index.ts';
import type { CompiledPipeline } from '../define/compile.ts';
import type { PipelineSpec } from '../define/schema.ts';
import { isCancelled, paramsOfRun, schedule, stepRunner, type PipelineRunResult, type RunOptions, type StepResult } from './run.ts';
import { finishWorkflowRun, startWorkflowRun, WORKFLOW_TAG } from './workflow.ts';
import { setTags, type Run } from '../../store/index.ts';

/** The job a worker runs for one step of a distributed run. */
export const PIPELINE_STEP_JOB = 'pipeline-step';

export interface StepJob {
  spec: PipelineSpec;
  workflowId: string;
  step: string;
  /** the folder relative paths are read from (the same path on every worker: a shared folder) */
  baseDir: string;
  /** who started the run (the audit log's actor for every step) */
  actor: string;
}

/**
 * Run a pipeline on workers (`capstan worker`) through a work queue: this process orders the steps (as the local engine does)
 * and hands each to the queue; a worker runs it against the shared stores and answers its result. A worker that dies in a
 * step loses nothing: the queue gives the step to another worker, which marks the dead one's step run failed and runs it
 * again, so each step has one run that ended well.
 */
export async function runPipelineOnWorkers(p: CompiledPipeline, o: RunOptions & { queue: WorkQueue; stepTimeoutMs?: number; resume?: { run: Run; done: Map<string, StepResult> } }): Promise<PipelineRunResult> {
  const t0 = performance.now();
  let run: Run;
  let workflowId: string;
  if (o.resume) {
    run = o.resume.run;
    // the workers find the run by its workflow id: a run begun in one process gets one now
    workflowId = run.tags[WORKFLOW_TAG] ?? `q-${randomUUID()}`;
    if (!run.tags[WORKFLOW_TAG]) await setTags(o.stores.metadata.runs, run.id, { [WORKFLOW_TAG]: workflowId });
  } else {
    workflowId = `q-${randomUUID()}`;
    run = await startWorkflowRun(p, o, workflowId);
  }
  o.onRunCreated?.(run.id);
  // skips are recorded here (they need no worker); steps run on workers
  const local = stepRunner(p, { ...o, resumed: true }, run, {}, o.resume?.done);
  const runStep = async (s: CompiledPipeline['steps'][number]) => {
    o.onEvent?.({ kind: 'start', step: s.name });
    const job: StepJob = { spec: p.spec, workflowId, step: s.name, baseDir: o.baseDir, actor: o.actor.name };
    let result: StepResult;
    try {
      result = await o.queue.run<StepResult>(PIPELINE_STEP_JOB, `${workflowId}.${s.name}`, job, o.stepTimeoutMs ?? 6 * 3_600_000);
    } catch (e) {
      // the queue gave up (no worker in time, or the job failed for good): the step failed
      result = { name: s.name, status: 'FAILED', cached: false, attempts: 0, seconds: 0, runId: null, outputs: null, reason: (e as Error).message, code: 'UNAVAILABLE', iterations: null };
      await o.stores.metadata.runs.recordStep({ runId: run.id, name: s.name, status: 'FAILED', startedAt: Date.now(), endedAt: Date.now(), error: result.reason });
    }
    local.done.set(s.name, result);
    o.onEvent?.({ kind: 'end', step: s.name, result });
  };
  await schedule(p, { done: local.done, runStep, skip: local.skip }, Math.max(1, o.concurrency ?? availableParallelism()), () => isCancelled(o.stores, run.id));
  const steps = [...p.steps, ...p.final].map((s) => local.done.get(s.name)!);
  const failed = steps.some((s) => s.status === 'FAILED');
  const closed = await finishWorkflowRun(p, o.stores, workflowId, failed ? 'Failed' : 'Succeeded');
  return { runId: run.id, status: closed.status === 'FINISHED' ? 'FINISHED' : closed.status === 'KILLED' ? 'KILLED' : 'FAILED', params: paramsOfRun(p, run), steps, seconds: (performance.now() - t0) / 1000 };
}
