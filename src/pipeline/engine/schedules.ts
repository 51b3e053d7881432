import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CronExpressionParser } from 'cron-parser';
import { invalid } from '../../core/errors.ts';
import type { PipelineSchedule, Principal, Stores } from '../../store/index.ts';
import { compileOrThrow } from '../define/compile.ts';
import type { PipelineSpec } from '../define/schema.ts';
import { resumePipelineRun } from './resume.ts';
import { runCompiledPipeline, type PipelineRunResult } from './run.ts';

/** The first time a five-field cron expression (UTC) fires after `after` (epoch ms); a bad expression names its problem. */
export function nextFire(cron: string, after: number): number {
  if (cron.trim().split(/\s+/).length !== 5) throw invalid(`cron "${cron.slice(0, 80)}" must have five fields: minute hour day-of-month month day-of-week`);
  try {
    return CronExpressionParser.parse(cron, { currentDate: new Date(after), tz: 'UTC' }).next().getTime();
  } catch (e) {
    throw invalid(`cron "${cron.slice(0, 80)}": ${(e as Error).message}`);
  }
}

/**
 * Start a pipeline run in the background and answer its run id once the run exists (its steps go on). Relative paths in the
 * spec are read from the home's `pipelines/` folder. What fails before the run exists (its parameters) is the caller's error.
 */
export async function startPipeline(stores: Stores, spec: PipelineSpec, params: Record<string, unknown>, actor: Principal, o: { noCache?: boolean; log?: (line: string) => void } = {}): Promise<string> {
  const pipeline = compileOrThrow(spec, undefined, 'spec');
  const baseDir = join(stores.home, 'pipelines');
  await mkdir(baseDir, { recursive: true });
  return inBackground(pipeline.spec.name, o.log, (onRunCreated) => runCompiledPipeline(pipeline, { stores, actor, params, baseDir, noCache: o.noCache === true, onRunCreated }));
}

/** Resume a pipeline run (`resumePipelineRun`) in this process's background: answered once the run is checked. */
export function startResume(stores: Stores, runId: string, actor: Principal, log?: (line: string) => void): Promise<string> {
  return inBackground(`run ${runId}`, log, (onRunCreated) => resumePipelineRun(runId, { stores, actor, onRunCreated }));
}

/** Start a run that goes on after the answer: the promise settles with the run's id once it exists, or with what stopped it before. */
function inBackground(label: string, log: ((line: string) => void) | undefined, go: (onRunCreated: (runId: string) => void) => Promise<PipelineRunResult>): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    go(resolve).then(
      (r) => log?.(`pipeline ${label}: run ${r.runId} ${r.status} in ${r.seconds.toFixed(1)} s`),
      (e: Error) => {
        reject(e);
        log?.(`pipeline ${label}: ${e.message}`);
      },
    );
  });
}

/**
 * Fire the schedules that are due: each is claimed in the store first (its next time moved on from the one read), so of
 * several servers exactly one fires it. Missed times are not caught up one by one: a schedule that was due several times
 * while no server ran fires once, then at its next time after now.
 */
export async function fireDueSchedules(stores: Stores, now: number, log: (line: string) => void = () => undefined): Promise<string[]> {
  const started: string[] = [];
  for (const s of await stores.metadata.schedules.list()) {
    if (s.nextAt > now) continue;
    let next: number;
    try {
      next = nextFire(s.cron, now);
    } catch (e) {
      log(`schedule ${s.name}: ${(e as Error).message}`);
      continue;
    }
    if (!(await stores.metadata.schedules.claim(s.name, s.nextAt, next))) continue;
    try {
      const runId = await startPipeline(stores, s.spec as PipelineSpec, s.params, { name: s.createdBy, role: 'admin' }, { log });
      await stores.metadata.schedules.fired(s.name, runId, now);
      log(`schedule ${s.name}: started run ${runId}; next at ${new Date(next).toISOString()}`);
      started.push(runId);
    } catch (e) {
      log(`schedule ${s.name}: ${(e as Error).message}`);
    }
  }
  return started;
}

/** Fire due schedules every `intervalMs` until stopped (a failure is logged, the next tick tries again). */
export function startScheduler(stores: Stores, intervalMs: number, log: (line: string) => void): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = running.then(() => fireDueSchedules(stores, Date.now(), log)).catch((e: Error) => log(`schedules: ${e.message}`));
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

export type { PipelineSchedule };
