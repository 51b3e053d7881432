import { notFound } from '../../core/errors.ts';
import { readBlob, type Page, type Run, type Stores } from '../../store/index.ts';

/** A pipeline run as people and the API see it: each step with what it waited for, its status, time, cache hit and attempts. */
export interface PipelineRunView {
  runId: string;
  pipeline: string;
  status: Run['status'];
  startedAt: number;
  endedAt: number | null;
  steps: {
    step: string;
    after: string[];
    status: string;
    seconds: number | null;
    cache: string;
    attempts: number;
    runId: string | null;
    error: string | null;
  }[];
}

async function pipelineRun(stores: Stores, runId: string): Promise<Run> {
  const run = await stores.metadata.runs.get(runId);
  if (run.tags['capstan.kind'] !== 'pipeline') throw notFound(`run ${runId} is not a pipeline run`);
  return run;
}

/** The runs of a pipeline run's steps, by step name. */
export async function stepRuns(stores: Stores, run: Run): Promise<Map<string, Run>> {
  const page = await stores.metadata.runs.search({ experimentIds: [run.experimentId], filter: `tags.mlflow.parentRunId = '${run.id}'`, limit: 1000 });
  // a step that ran again after its process died has two runs: the one that ended well is the step's
  const runs = new Map<string, Run>();
  for (const r of page.items) if (!runs.has(r.tags['capstan.step']) || r.status === 'FINISHED') runs.set(r.tags['capstan.step'], r);
  return runs;
}

export async function describePipelineRun(stores: Stores, runId: string): Promise<PipelineRunView> {
  const run = await pipelineRun(stores, runId);
  const records = await stores.metadata.runs.listSteps(runId);
  const children = await stepRuns(stores, run);
  const spec = JSON.parse((await readBlob(stores.artifacts, (await stores.metadata.runs.getArtifact(runId, 'pipeline.json')).digest)).toString('utf8')) as {
    steps: { name: string; inputs?: Record<string, unknown>; when?: string; forEach?: unknown }[];
    finally?: { name: string; inputs?: Record<string, unknown> }[];
  };
  const after = (st: { inputs?: Record<string, unknown>; when?: string; forEach?: unknown }) => [...new Set([...JSON.stringify([st.inputs ?? {}, st.when ?? '', st.forEach ?? null]).matchAll(/steps\.([a-z][a-z0-9-]*)\.outputs/g)].map((m) => m[1]))];
  return {
    runId,
    pipeline: run.tags['capstan.pipeline'] ?? run.name,
    status: run.status,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    steps: [...spec.steps, ...(spec.finally ?? [])].map((st) => {
      const rec = records.find((x) => x.name === st.name);
      const child = children.get(st.name);
      return {
        step: st.name,
        after: after(st),
        status: rec?.status ?? 'NOT RUN',
        seconds: rec && rec.endedAt ? (rec.endedAt - rec.startedAt) / 1000 : null,
        cache: child?.tags['capstan.cache'] ?? '',
        attempts: Number(child?.tags['capstan.attempts'] ?? 0),
        runId: child?.id ?? null,
        error: rec?.error ?? null,
      };
    }),
  };
}

/** A step's log (its program's output and what the engine did: cache hits, retries). */
export async function stepLog(stores: Stores, runId: string, step: string): Promise<string> {
  const child = (await stepRuns(stores, await pipelineRun(stores, runId))).get(step);
  if (!child) throw notFound(`run ${runId} has no step "${step}" that ran`);
  return (await readBlob(stores.artifacts, (await stores.metadata.runs.getArtifact(child.id, 'logs/step.log')).digest)).toString('utf8');
}

export interface PipelineRunSummary {
  runId: string;
  pipeline: string;
  status: Run['status'];
  startedAt: number;
  endedAt: number | null;
  user: string;
}

/** Pipeline runs, newest first (of one pipeline when named). */
export async function listPipelineRuns(stores: Stores, o: { pipeline?: string; limit?: number; cursor?: string | null } = {}): Promise<Page<PipelineRunSummary>> {
  const filter = `tags.capstan.kind = 'pipeline'${o.pipeline !== undefined ? ` and tags.capstan.pipeline = '${o.pipeline.replace(/'/g, "''")}'` : ''}`;
  const page = await stores.metadata.runs.search({ filter, limit: o.limit ?? 50, cursor: o.cursor ?? null });
  return { items: page.items.map((r) => ({ runId: r.id, pipeline: r.tags['capstan.pipeline'] ?? r.name, status: r.status, startedAt: r.startedAt, endedAt: r.endedAt, user: r.userId })), nextCursor: page.nextCursor };
}
