import { notFound } from '../../core/errors.ts';
import { readBlob, type Run, type Stores } from '../../store/index.ts';
import { stepRuns } from './describe.ts';
import type { CompiledPipeline } from '../define/compile.ts';
import { CANCEL_TAG, isCancelled, openPipelineRun, paramsOfRun, stepRunner, type RunOptions, type StepResult } from './run.ts';

/*
 * A pipeline run whose steps run one per process, somewhere else (an Argo Workflow's pods): the first task opens the run, each
 * step's task runs that one step here with what earlier steps recorded in the shared stores (PostgreSQL and S3), and the exit
 * handler closes it. The steps' semantics are the local engine's: the same StepRunner runs them.
 */

export const WORKFLOW_TAG = 'capstan.workflow';
const TAG = WORKFLOW_TAG;

/** The run of a workflow (by the workflow's id), or null. */
async function findRun(stores: Stores, workflowId: string): Promise<Run | null> {
  // in any experiment: a pipeline run of capstan train, resumed on workers, is one
  const page = await stores.metadata.runs.search({ filter: `tags.${TAG} = '${workflowId.replace(/'/g, "''")}'`, limit: 1 });
  return page.items[0] ?? null;
}

/** Open the workflow's pipeline run (once: a retried first task finds the run it opened). */
export async function startWorkflowRun(p: CompiledPipeline, o: Pick<RunOptions, 'stores' | 'actor' | 'params'> & { baseDir?: string }, workflowId: string): Promise<Run> {
  return (await findRun(o.stores, workflowId)) ?? (await openPipelineRun(p, o, { [TAG]: workflowId })).run;
}

/** What the steps before this one recorded: statuses, and the outputs of the `needed` ones that succeeded (their outputs.json). */
export async function recorded(stores: Stores, run: Run, needed: readonly string[] = []): Promise<Map<string, StepResult>> {
  const runs = await stepRuns(stores, run);
  const done = new Map<string, StepResult>();
  for (const rec of await stores.metadata.runs.listSteps(run.id)) {
    if (rec.status === 'RUNNING') continue;
    const child = runs.get(rec.name) ?? null;
    let outputs: Record<string, unknown> | null = null;
    if (rec.status === 'SUCCEEDED' && child && needed.includes(rec.name)) outputs = JSON.parse((await readBlob(stores.artifacts, (await stores.metadata.runs.getArtifact(child.id, 'outputs.json')).digest)).toString('utf8')) as Record<string, unknown>;
    done.set(rec.name, { name: rec.name, status: rec.status, cached: child?.tags['capstan.cache'] === 'hit', attempts: Number(child?.tags['capstan.attempts'] ?? 0), seconds: rec.endedAt ? (rec.endedAt - rec.startedAt) / 1000 : 0, runId: child?.id ?? null, outputs, reason: rec.error, code: rec.status === 'FAILED' ? 'INTERNAL' : null, iterations: null });
  }
  return done;
}

/** Run one step of the workflow's run here: skipped when a step it reads did not succeed, else computed or reused. */
export async function runWorkflowStep(p: CompiledPipeline, o: RunOptions, workflowId: string, name: string): Promise<StepResult> {
  const run = await findRun(o.stores, workflowId);
  if (!run) throw notFound(`no pipeline run for workflow ${workflowId} (its first task opens it)`);
  const s = [...p.steps, ...p.final].find((x) => x.name === name);
  if (!s) throw notFound(`the pipeline has no step "${name}"`);
  // only what this step reads is loaded: a step's cost does not grow with the steps before it
  const done = await recorded(o.stores, run, [...s.deps, name]);
  // a step that ended well already (its answer was lost, with a Redis that restarted; a retried pod) is answered from its record
  const before = done.get(name);
  if (before?.status === 'SUCCEEDED') return before;
  // the parameters as the run recorded them (text; their declared types convert them again)
  const runner = stepRunner(p, { ...o, resumed: true }, run, paramsOfRun(p, run), done);
  const unmet = s.deps.find((d) => done.get(d)?.status !== 'SUCCEEDED');
  if (!p.final.includes(s) && (await isCancelled(o.stores, run.id))) await runner.skip(s, 'the run was cancelled');
  else if (unmet === undefined) await runner.runStep(s);
  else await runner.skip(s, `step "${unmet}" ${done.get(unmet)?.status === 'FAILED' ? 'failed' : done.has(unmet) ? 'was skipped' : 'did not run'}`);
  return runner.done.get(name)!;
}

/** Close the workflow's run: steps that never ran are recorded as such, and the run ends FINISHED or FAILED. */
export async function finishWorkflowRun(p: CompiledPipeline, stores: Stores, workflowId: string, workflowStatus: string): Promise<Run> {
  const run = await findRun(stores, workflowId);
  if (!run) throw notFound(`no pipeline run for workflow ${workflowId}`);
  const done = await recorded(stores, run);
  for (const s of [...p.steps, ...p.final]) {
    if (!done.has(s.name)) await stores.metadata.runs.recordStep({ runId: run.id, name: s.name, status: 'SKIPPED', startedAt: Date.now(), endedAt: Date.now(), error: `not run (the workflow ended ${workflowStatus})` });
  }
  const failed = [...done.values()].some((d) => d.status === 'FAILED') || !/^succeeded$/i.test(workflowStatus);
  return stores.metadata.runs.update(run.id, { status: run.tags[CANCEL_TAG] !== undefined ? 'KILLED' : failed ? 'FAILED' : 'FINISHED', endTime: Date.now() });
}
