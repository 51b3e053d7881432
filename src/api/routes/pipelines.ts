import { Type } from '../typebox.ts';
import { route } from '../contract.ts';
import { PipelineSpecSchema } from '../pipeline-spec.ts';
import { Id, Items, Millis, Page, PageQuery, RunStatus, StringMap } from '../schema.ts';

const tag = 'pipelines';
const Problem = Type.Object({ step: Type.Union([Type.String(), Type.Null()]), field: Type.Union([Type.String(), Type.Null()]), line: Type.Optional(Type.Integer()), message: Type.String() }, { title: 'PipelineProblem' });
const Port = Type.Object({ type: Type.String(), description: Type.String(), default: Type.Optional(Type.Unknown()), optional: Type.Optional(Type.Boolean()) });

export const PipelineRunView = Type.Object(
  {
    runId: Id,
    pipeline: Type.String(),
    status: RunStatus,
    startedAt: Millis,
    endedAt: Type.Union([Millis, Type.Null()]),
    steps: Type.Array(
      Type.Object({
        step: Type.String(),
        after: Type.Array(Type.String(), { description: 'the steps whose outputs it reads' }),
        status: Type.String({ description: 'RUNNING, SUCCEEDED, FAILED, SKIPPED or NOT RUN' }),
        seconds: Type.Union([Type.Number(), Type.Null()]),
        cache: Type.String({ description: 'hit, miss, partial (some forEach iterations) or empty' }),
        attempts: Type.Integer({ minimum: 0 }),
        runId: Type.Union([Id, Type.Null()]),
        error: Type.Union([Type.String(), Type.Null()]),
      }),
    ),
  },
  { title: 'PipelineRunView' },
);

export const lintPipeline = route({
  method: 'POST', path: '/api/v1/pipelines/lint', role: 'viewer', tag, summary: 'Check a pipeline spec: components, references, types, cycles (every problem)',
  body: Type.Object({ spec: PipelineSpecSchema }),
  responses: { 200: Type.Object({ problems: Type.Array(Problem) }) },
});
export const startPipeline = route({
  method: 'POST', path: '/api/v1/pipelines/runs', role: 'admin', tag,
  summary: "Start a pipeline run on the server (it runs with the server's access to files and programs, hence the admin role); answered once the run exists",
  body: Type.Object({ spec: PipelineSpecSchema, params: Type.Optional(Type.Record(Type.String(), Type.Unknown())), noCache: Type.Optional(Type.Boolean()) }),
  responses: { 202: Type.Object({ runId: Id }) },
});
export const getPipelineRun = route({ method: 'GET', path: '/api/v1/pipelines/runs/:runId', role: 'viewer', tag, summary: "A pipeline run's steps: status, time, cache hit, attempts", responses: { 200: PipelineRunView } });
export const getStepLog = route({ method: 'GET', path: '/api/v1/pipelines/runs/:runId/steps/:step/log', role: 'viewer', tag, summary: "A step's log", responses: { 200: 'text' } });
export const listComponents = route({
  method: 'GET', path: '/api/v1/pipelines/components', role: 'viewer', tag, summary: 'The built-in components and their typed ports',
  responses: { 200: Items(Type.Object({ name: Type.String(), version: Type.String(), description: Type.String(), inputs: Type.Record(Type.String(), Port), outputs: Type.Record(Type.String(), Port) }, { title: 'PipelineComponent' })) },
});
export const listPipelineRuns = route({
  method: 'GET', path: '/api/v1/pipelines/runs', role: 'viewer', tag, summary: 'Pipeline runs, newest first (?pipeline=NAME for one pipeline)',
  query: Type.Object({ pipeline: Type.Optional(Type.String()), ...PageQuery }),
  responses: {
    200: Page(Type.Object({ runId: Id, pipeline: Type.String(), status: RunStatus, startedAt: Millis, endedAt: Type.Union([Millis, Type.Null()]), user: Type.String() }, { title: 'PipelineRunSummary' })),
  },
});
export const resumePipelineRun = route({
  method: 'POST', path: '/api/v1/pipelines/runs/:runId/resume', role: 'admin', tag,
  summary: 'Go on with a run that did not end well or whose ordering process went away: steps that succeeded keep their results, the others run on the server; answered once the run is checked',
  responses: { 202: Type.Object({ runId: Id }) },
});
export const cancelPipelineRun = route({
  method: 'POST', path: '/api/v1/pipelines/runs/:runId/cancel', role: 'member', tag, summary: 'Cancel a pipeline run: no step starts after this; steps under way finish; exit handlers run',
  responses: { 202: Type.Object({ runId: Id }) },
});

const Schedule = Type.Object(
  {
    name: Type.String(),
    spec: Type.Unknown({ description: 'the pipeline spec' }),
    cron: Type.String({ description: 'minute hour day-of-month month day-of-week (UTC)' }),
    params: StringMap,
    nextAt: Millis,
    lastAt: Type.Union([Millis, Type.Null()]),
    lastRunId: Type.Union([Id, Type.Null()]),
    createdBy: Type.String(),
    createdAt: Millis,
  },
  { title: 'PipelineSchedule' },
);
export const listSchedules = route({ method: 'GET', path: '/api/v1/pipelines/schedules', role: 'viewer', tag, summary: 'Pipeline schedules', responses: { 200: Items(Schedule) } });
export const getSchedule = route({ method: 'GET', path: '/api/v1/pipelines/schedules/:name', role: 'viewer', tag, summary: 'A pipeline schedule', responses: { 200: Schedule } });
export const putSchedule = route({
  method: 'PUT', path: '/api/v1/pipelines/schedules/:name', role: 'admin', tag,
  summary: 'Create or replace a schedule: capstan server fires it (exactly once across servers sharing the store); missed times fire once',
  body: Type.Object({ spec: PipelineSpecSchema, cron: Type.String({ minLength: 1, maxLength: 200, description: 'five fields: minute hour day-of-month month day-of-week (UTC)' }), params: Type.Optional(StringMap) }),
  responses: { 200: Schedule },
});
export const deleteSchedule = route({ method: 'DELETE', path: '/api/v1/pipelines/schedules/:name', role: 'admin', tag, summary: 'Remove a schedule', responses: { 204: null } });
