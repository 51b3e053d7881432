import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { CapstanError, invalid, isCapstanError, orNullIfNotFound, type ErrorCode } from '../../core/errors.ts';
import { logParams, putRunArtifact, setTags, type Principal, type Run, type Stores } from '../../store/index.ts';
import type { Table } from '../../core/table.ts';
import { isFileRef } from '../components/index.ts';
import { fitsType, resolveParams, type CompiledPipeline, type PlannedStep } from '../define/compile.ts';
import type { PortType } from '../define/schema.ts';
import { holds, refText, type Binding, type Ref } from '../define/refs.ts';
import { cacheKey, StepCache } from './cache.ts';
import { componentContext } from './context.ts';
import type { ThreadAttempt, ThreadMessage } from './step-thread.ts';
import { siblingModule, startThread } from '../../threads/pool.ts';
import { commandCode, runCommand } from './command.ts';

export interface RunOptions {
  stores: Stores;
  actor: Principal;
  /** parameter values as given (text from the command line is converted to the declared types) */
  params: Record<string, unknown>;
  /** the pipeline file's folder */
  baseDir: string;
  /** compute every step, reusing nothing */
  noCache?: boolean;
  /** compute these steps */
  noCacheSteps?: readonly string[];
  /** who runs the step retries them (Argo's retryStrategy): one attempt here */
  retriedOutside?: boolean;
  /**
   * Steps of this run may have started in a process that died (a killed worker, a pod): a step's run left RUNNING by one is
   * marked FAILED before the step runs again, so each step has one run that ended well.
   */
  resumed?: boolean;
  /** steps (and forEach iterations) at once; default the machine's cores */
  concurrency?: number;
  experiment?: string;
  onEvent?: (e: PipelineEvent) => void;
  /** the run exists (an API answers with its id while the steps go on) */
  onRunCreated?: (runId: string) => void;
}

export type StepStatus = 'SUCCEEDED' | 'FAILED' | 'SKIPPED';

export type PipelineEvent =
  | { kind: 'start'; step: string }
  | { kind: 'retry'; step: string; attempt: number; delaySeconds: number; error: string }
  /** a line of the step's log, as it is written */
  | { kind: 'log'; step: string; line: string }
  | { kind: 'end'; step: string; result: StepResult };

export interface StepResult {
  name: string;
  status: StepStatus;
  /** every output reused from an earlier identical step */
  cached: boolean;
  attempts: number;
  seconds: number;
  /** the step's run (null when skipped before it ran) */
  runId: string | null;
  outputs: Record<string, unknown> | null;
  /** why it failed or was skipped */
  reason: string | null;
  /** the failure's error code (INVALID_ARGUMENT: the step was given something wrong) */
  code: ErrorCode | null;
  /** iterations of a forEach step */
  iterations: number | null;
}

export interface PipelineRunResult {
  runId: string;
  /** KILLED: cancelled (capstan pipeline cancel) */
  status: 'FINISHED' | 'FAILED' | 'KILLED';
  params: Record<string, unknown>;
  steps: StepResult[];
  seconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The value a reference has now (undefined: its step has not produced it). */
function lookup(r: Ref, params: Record<string, unknown>, done: Map<string, StepResult>, item: unknown): unknown {
  if (r.kind === 'item') return item;
  if (r.kind === 'param') return params[r.name];
  return done.get(r.step)?.outputs?.[r.port];
}

function bind(b: Binding, params: Record<string, unknown>, done: Map<string, StepResult>, item: unknown, field: string): unknown {
  if (b.kind === 'literal') return b.value;
  if (b.kind === 'ref') return lookup(b.ref, params, done, item);
  return b.parts
    .map((p) => {
      if (typeof p === 'string') return p;
      const v = lookup(p, params, done, item);
      if (typeof v === 'object' && v !== null) throw invalid(`${field}: ${refText(p)} is not text, a number or a boolean and cannot be put inside text`);
      return String(v);
    })
    .join('');
}

/** A run-time check of what a component input received (references to `item` and JSON values are only known now). */
function checkValue(step: string, port: string, type: PortType, v: unknown): void {
  if (!fitsType(v, type)) throw invalid(`step "${step}": input "${port}" must be a ${type}, got ${JSON.stringify(v)?.slice(0, 80)}`);
}

/** The pipeline's run: the spec kept as its artifact `pipeline.json`, the parameters (converted to their types) as its params. */
export async function openPipelineRun(p: CompiledPipeline, o: Pick<RunOptions, 'stores' | 'actor' | 'params' | 'experiment'> & { baseDir?: string }, tags: Record<string, string> = {}): Promise<{ run: Run; params: Record<string, unknown> }> {
  const params = resolveParams(p.spec, o.params);
  const meta = o.stores.metadata;
  const specText = JSON.stringify(p.spec);
  const run = await meta.runs.create({
    experiment: o.experiment ?? 'pipelines',
    name: p.spec.name,
    userId: o.actor.name,
    // the folder relative paths are read from, for a resumed run
    tags: { 'capstan.kind': 'pipeline', 'capstan.pipeline': p.spec.name, 'capstan.spec_sha256': createHash('sha256').update(specText).digest('hex'), ...(o.baseDir ? { [BASE_DIR_TAG]: o.baseDir.slice(0, 5000) } : {}), ...tags },
  });
  await putRunArtifact(o.stores, run.id, 'pipeline.json', specText);
  if (Object.keys(params).length > 0) await logParams(meta.runs, run.id, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : (v as string | number | boolean)])));
  return { run, params };
}

/**
 * The pipeline parameters a run was started with (as text; their declared types convert them again): its params that the spec
 * declares, the others being what its steps logged.
 */
export function paramsOfRun(p: CompiledPipeline, run: Run): Record<string, unknown> {
  const declared = p.spec.params ?? {};
  return resolveParams(p.spec, Object.fromEntries(Object.entries(run.params).filter(([k]) => Object.hasOwn(declared, k))));
}

/** What runs steps of a pipeline run: each step recorded under the run, its outputs kept in `done` for the steps that read them. */
export interface StepRunner {
  done: Map<string, StepResult>;
  runStep(s: PlannedStep): Promise<void>;
  skip(s: PlannedStep, reason: string): Promise<void>;
}

export function stepRunner(p: CompiledPipeline, o: RunOptions, run: Run, params: Record<string, unknown>, done = new Map<string, StepResult>()): StepRunner {
  const meta = o.stores.metadata;
  const cache = new StepCache(o.stores.artifacts);
  const concurrency = Math.max(1, o.concurrency ?? availableParallelism());
  const finish = (r: StepResult) => {
    done.set(r.name, r);
    o.onEvent?.({ kind: 'end', step: r.name, result: r });
  };
  const skip = async (s: PlannedStep, reason: string) => {
    await meta.runs.recordStep({ runId: run.id, name: s.name, status: 'SKIPPED', startedAt: Date.now(), endedAt: Date.now(), error: reason });
    finish({ name: s.name, status: 'SKIPPED', cached: false, attempts: 0, seconds: 0, runId: null, outputs: null, reason, code: null, iterations: null });
  };

  /** One step: its condition, its iterations, each from the cache or computed with retries and a timeout. */
  const runStep = async (s: PlannedStep): Promise<void> => {
    const started = Date.now();
    const ts = performance.now();
    if (s.when && !holds(s.when, lookup(s.when.ref, params, done, undefined))) return skip(s, `condition ${s.spec.when} does not hold`);
    o.onEvent?.({ kind: 'start', step: s.name });
    await meta.runs.recordStep({ runId: run.id, name: s.name, status: 'RUNNING', startedAt: started, endedAt: null, error: null });
    if (o.resumed) {
      const left = await meta.runs.search({ experimentIds: [run.experimentId], filter: `tags.mlflow.parentRunId = '${run.id}' and tags.capstan.step = '${s.name}' and attributes.status = 'RUNNING'`, limit: 100 });
      for (const r of left.items) {
        await setTags(meta.runs, r.id, { 'capstan.error': 'its process ended before the step did (the step ran again)' });
        await meta.runs.update(r.id, { status: 'FAILED', endTime: Date.now() });
      }
    }
    const child = await meta.runs.create({
      experimentId: run.experimentId,
      name: `${p.spec.name}/${s.name}`,
      userId: o.actor.name,
      tags: { 'mlflow.parentRunId': run.id, 'capstan.kind': 'pipeline-step', 'capstan.step': s.name, 'capstan.component': s.component?.name ?? 'command' },
    });
    const log: string[] = [];
    let attempts = 0;
    let hits = 0;
    let iterations: number | null = null;
    // the run whose params and metrics the pipeline's run takes over: the step's, or the one a cache hit reuses
    let computedBy = child.id;
    try {
      let items: unknown[] = [undefined];
      if (s.forEach) {
        const list = bind(s.forEach, params, done, undefined, 'forEach');
        if (!Array.isArray(list)) throw invalid(`step "${s.name}": forEach must be a list, got ${JSON.stringify(list)?.slice(0, 80)}`);
        items = list;
        iterations = list.length;
      }
      const code = s.component ? `component:${s.component.name}@${s.component.version}` : await commandCode(s.spec.command!, o.baseDir);
      const useCache = s.spec.cache !== false && s.component?.cacheable !== false && !o.noCache && !o.noCacheSteps?.includes(s.name);
      const results: Record<string, unknown>[] = new Array(items.length);
      const one = async (k: number) => {
        const prefix = iterations !== null ? `[${k}] ` : '';
        const inputs: Record<string, unknown> = {};
        for (const [port, b] of Object.entries(s.inputs)) inputs[port] = bind(b, params, done, items[k], `inputs.${port}`);
        if (s.component) {
          for (const [port, spec] of Object.entries(s.component.inputs)) {
            if (inputs[port] === undefined && spec.default !== undefined) inputs[port] = spec.default;
            if (inputs[port] === undefined) {
              if (!spec.optional) throw invalid(`step "${s.name}": input "${port}" has no value`);
            } else checkValue(s.name, port, spec.type, inputs[port]);
          }
        }
        const key = cacheKey(code + (s.component?.fingerprint ? `\n${await s.component.fingerprint(inputs as never, o.baseDir)}` : ''), inputs);
        if (useCache) {
          const hit = await cache.get(key, p.spec.cacheTtlSeconds);
          if (hit) {
            hits++;
            log.push(`${prefix}cache hit: the outputs of run ${hit.runId} (${new Date(hit.createdAt).toISOString()})`);
            results[k] = hit.outputs;
            computedBy = hit.runId;
            await s.component?.reused?.(hit.outputs as never, inputs as never, { stores: o.stores, runId: child.id, pipelineRunId: run.id });
            return;
          }
        }
        // each iteration of a forEach is a run of its own (its params and metrics), under the step's run
        const own =
          iterations === null
            ? child.id
            : (await meta.runs.create({ experimentId: run.experimentId, name: `${p.spec.name}/${s.name}[${k}]`, userId: o.actor.name, tags: { 'mlflow.parentRunId': child.id, 'capstan.kind': 'pipeline-iteration', 'capstan.step': s.name, 'capstan.iteration': String(k) } })).id;
        const retries = o.retriedOutside ? 0 : (s.spec.retries ?? 0);
        for (let attempt = 1; ; attempt++) {
          attempts++;
          try {
            results[k] = await attempt1(s, inputs, (line) => {
              log.push(prefix + line);
              o.onEvent?.({ kind: 'log', step: s.name, line: prefix + line });
            }, own);
            break;
          } catch (e) {
            const message = e instanceof Error ? e.message : String(e);
            log.push(`${prefix}attempt ${attempt} failed: ${message}`);
            if (attempt > retries) {
              if (own !== child.id) await meta.runs.update(own, { status: 'FAILED', endTime: Date.now() });
              throw e;
            }
            const delaySeconds = (s.spec.retryDelaySeconds ?? 1) * 2 ** (attempt - 1);
            o.onEvent?.({ kind: 'retry', step: s.name, attempt, delaySeconds, error: message });
            await sleep(delaySeconds * 1000);
          }
        }
        if (own !== child.id) {
          await recordOutputs(own, results[k]);
          await meta.runs.update(own, { status: 'FINISHED', endTime: Date.now() });
        }
        await cache.put({ key, outputs: results[k], createdAt: Date.now(), runId: own });
      };
      // iterations share the concurrency limit of the run
      let next = 0;
      await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
        while (next < items.length) await one(next++);
      }));
      const outputs = iterations === null ? results[0] : Object.fromEntries(Object.keys(s.outputs).map((port) => [port, results.map((r) => r[port])]));
      await recordOutputs(child.id, outputs);
      const cached = hits === items.length && items.length > 0;
      await setTags(meta.runs, child.id, { 'capstan.cache': cached ? 'hit' : hits > 0 ? 'partial' : 'miss', 'capstan.attempts': String(attempts) });
      await keepLog(child.id, log);
      if (iterations === null && s.component?.summary) await rollUp(computedBy);
      await meta.runs.update(child.id, { status: 'FINISHED', endTime: Date.now() });
      await meta.runs.recordStep({ runId: run.id, name: s.name, status: 'SUCCEEDED', startedAt: started, endedAt: Date.now(), error: null });
      finish({ name: s.name, status: 'SUCCEEDED', cached, attempts, seconds: (performance.now() - ts) / 1000, runId: child.id, outputs, reason: null, code: null, iterations });
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      log.push(`failed: ${reason}`);
      await setTags(meta.runs, child.id, { 'capstan.attempts': String(attempts), 'capstan.error': reason.slice(0, 5000) }).catch(() => undefined);
      await keepLog(child.id, log).catch(() => undefined);
      await meta.runs.update(child.id, { status: 'FAILED', endTime: Date.now() });
      await meta.runs.recordStep({ runId: run.id, name: s.name, status: 'FAILED', startedAt: started, endedAt: Date.now(), error: reason.slice(0, 5000) });
      finish({ name: s.name, status: 'FAILED', cached: false, attempts, seconds: (performance.now() - ts) / 1000, runId: child.id, outputs: null, reason, code: isCapstanError(e) ? e.code : 'INTERNAL', iterations });
    }
  };

  // CPU-bound component attempts running in this thread now
  let heavyHere = 0;
  // tables a step handed over to the steps after it (by the blob's digest), for this run in this process
  const tables = new Map<string, Table>();
  // per step, its outputs that a later step reads as a table (a component input marked `table`), found once per run
  const tableOutputs = new Map<string, Set<string>>();
  for (const t of [...p.steps, ...p.final]) {
    for (const [port, b] of Object.entries(t.inputs)) {
      if (b.kind !== 'ref' || b.ref.kind !== 'output' || !t.component?.inputs[port]?.table) continue;
      if (!tableOutputs.has(b.ref.step)) tableOutputs.set(b.ref.step, new Set());
      tableOutputs.get(b.ref.step)!.add(b.ref.port);
    }
  }
  const wantedAsTables = (s: PlannedStep): ReadonlySet<string> => tableOutputs.get(s.name) ?? new Set();
  /** One attempt of a component in a worker thread with its own connections to the stores; aborting it ends the thread. */
  const inThread = (component: string, inputs: Record<string, unknown>, runId: string, logLine: (l: string) => void, signal: AbortSignal): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      logLine('(in a worker thread: another CPU-bound step is running)');
      const attempt: ThreadAttempt = { home: o.stores.home, uris: o.stores.uris!, component, inputs, runId, pipelineRunId: run.id, actor: o.actor, baseDir: o.baseDir };
      const w = startThread(siblingModule(import.meta.url, './step-thread'), attempt);
      let answered = false;
      w.on('message', (m: ThreadMessage) => {
        if ('log' in m) return logLine(m.log);
        answered = true;
        if ('outputs' in m) resolve(m.outputs);
        else reject(new CapstanError(m.error.code as ErrorCode, m.error.message));
      });
      w.once('error', (e) => reject(new CapstanError('INTERNAL', `the step's thread failed: ${e.message}`)));
      w.once('exit', (code) => {
        if (!answered) reject(new CapstanError('INTERNAL', `the step's thread ended (code ${code}) before answering`));
      });
      signal.addEventListener('abort', () => void w.terminate());
    });

  /** One attempt of a step, in a scratch folder, cut off at its timeout. */
  const attempt1 = async (s: PlannedStep, inputs: Record<string, unknown>, logLine: (l: string) => void, runId: string): Promise<Record<string, unknown>> => {
    const workdir = await mkdtemp(join(tmpdir(), 'capstan-step-'));
    const abort = new AbortController();
    const timeout = s.spec.timeoutSeconds;
    const timer = timeout ? setTimeout(() => abort.abort(new CapstanError('UNAVAILABLE', `step "${s.name}" timed out after ${timeout} s`)), timeout * 1000) : null;
    const ctx = componentContext({ stores: o.stores, runId, pipelineRunId: run.id, actor: o.actor, baseDir: o.baseDir, workdir, signal: abort.signal, log: logLine, tables: { shared: tables, wanted: wantedAsTables(s) } });
    // a CPU-bound component beside another one under way here runs in a thread of its own: branches use the cores
    const threaded = Boolean(s.component?.heavy && heavyHere > 0 && o.stores.uris);
    if (s.component?.heavy && !threaded) heavyHere++;
    try {
      const work = !s.component ? runCommand(s.spec.command!, inputs, s.outputs, ctx) : threaded ? inThread(s.component.name, inputs, runId, logLine, abort.signal) : s.component.run(inputs as never, ctx);
      const aborted = new Promise<never>((_r, fail) => abort.signal.addEventListener('abort', () => fail(abort.signal.reason)));
      const out = (await Promise.race([work, aborted])) as Record<string, unknown>;
      const missing = Object.keys(s.outputs).filter((k) => !(k in out));
      if (missing.length > 0) throw new CapstanError('INTERNAL', `step "${s.name}" did not produce ${missing.join(', ')}`);
      return out;
    } finally {
      if (s.component?.heavy && !threaded) heavyHere--;
      if (timer) clearTimeout(timer);
      abort.abort(new Error('the step is over'));
      await rm(workdir, { recursive: true, force: true });
    }
  };

  /** Outputs as artifacts of the step's run: every file by name, and all of them as outputs.json (lineage). */
  const recordOutputs = async (runId: string, outputs: Record<string, unknown>) => {
    for (const [port, v] of Object.entries(outputs)) {
      const files = (Array.isArray(v) ? v : [v]).filter(isFileRef);
      for (const [k, f] of files.entries()) await meta.runs.putArtifact({ runId, path: files.length === 1 && !Array.isArray(v) ? `outputs/${port}` : `outputs/${port}/${k}`, digest: f.blob, size: f.size });
    }
    await putRunArtifact(o.stores, runId, 'outputs.json', JSON.stringify(outputs, null, 1));
  };
  /**
   * The params and latest metrics of a summary step (a component that says so: train, evaluate...), also on the pipeline's
   * run: a pipeline run compares with others by what its steps found (`capstan train`'s run carries its CV scores, as before
   * it was a pipeline). A param the run already has keeps its value (params are immutable); iterations of a forEach stay on
   * their own runs.
   */
  const rollUp = async (from: string) => {
    // a reused result whose run was deleted since has nothing to pass on
    const src = await orNullIfNotFound(meta.runs.get(from));
    if (!src || (Object.keys(src.params).length === 0 && Object.keys(src.metrics).length === 0)) return;
    const metrics = Object.entries(src.metrics).map(([key, value]) => ({ key, value, ...src.metricTimes[key] }));
    const batch = async () => {
      const have = (await meta.runs.get(run.id)).params;
      const params = Object.entries(src.params).filter(([k]) => !(k in have)).map(([key, value]) => ({ key, value }));
      if (params.length > 0 || metrics.length > 0) await meta.runs.logBatch(run.id, { params, metrics });
    };
    // a step running beside this one may have set one of the params in between: read again once
    await batch().catch(batch);
  };
  const keepLog = async (runId: string, lines: string[]) => {
    await putRunArtifact(o.stores, runId, 'logs/step.log', lines.join('\n') + (lines.length ? '\n' : ''));
  };

  return { done, runStep, skip };
}

/**
 * Run a compiled pipeline in this process: steps whose producers are done run at once (up to `concurrency`), each as a child
 * run of the pipeline's run with its status, times, attempts, cache hit, log and outputs recorded. A failed step fails the run
 * and skips what reads it; independent branches go on; exit handlers run last, whatever happened.
 */
export async function runCompiledPipeline(p: CompiledPipeline, o: RunOptions): Promise<PipelineRunResult> {
  const t0 = performance.now();
  const { run, params } = await openPipelineRun(p, o);
  o.onRunCreated?.(run.id);
  return drive(p, o, run, params, new Map(), t0);
}

/** Run the steps of a pipeline run that are not in `done` yet, in this process, and end the run. */
export async function drive(p: CompiledPipeline, o: RunOptions, run: Run, params: Record<string, unknown>, done: Map<string, StepResult>, t0 = performance.now()): Promise<PipelineRunResult> {
  const runner = stepRunner(p, o, run, params, done);
  const meta = o.stores.metadata;
  const concurrency = Math.max(1, o.concurrency ?? availableParallelism());
  await schedule(p, runner, concurrency, () => isCancelled(o.stores, run.id));
  const steps = [...p.steps, ...p.final].map((s) => done.get(s.name)!);
  const status = (await isCancelled(o.stores, run.id)) ? 'KILLED' : steps.some((s) => s.status === 'FAILED') ? 'FAILED' : 'FINISHED';
  await meta.runs.update(run.id, { status, endTime: Date.now() });
  return { runId: run.id, status, params, steps, seconds: (performance.now() - t0) / 1000 };
}

/**
 * The order of a run, whoever executes the steps (this process, or workers): a step starts once every step it reads has
 * ended, up to `concurrency` at once; one that reads a failed or skipped step is skipped; then the exit handlers in order.
 */
export async function schedule(p: CompiledPipeline, runner: StepRunner, concurrency: number, cancelled: () => Promise<boolean> = async () => false): Promise<void> {
  const { done, runStep, skip } = runner;
  // the main steps not done yet (a resumed run has some): each starts once everything it reads is done
  const pending = p.steps.filter((s) => !done.has(s.name));
  const running = new Set<Promise<void>>();
  while (pending.length > 0 || running.size > 0) {
    for (let k = 0; k < pending.length && running.size < concurrency; ) {
      const s = pending[k];
      const deps = s.deps.map((d) => done.get(d));
      if (deps.some((d) => d === undefined)) {
        k++;
        continue;
      }
      pending.splice(k, 1);
      // a cancelled run starts nothing more (steps under way finish; the exit handlers still run)
      if (await cancelled()) {
        await skip(s, 'the run was cancelled');
        k = 0;
        continue;
      }
      const blocked = deps.find((d) => d!.status !== 'SUCCEEDED');
      if (blocked) {
        await skip(s, `step "${blocked!.name}" ${blocked!.status === 'FAILED' ? 'failed' : 'was skipped'}`);
        k = 0;
        continue;
      }
      const task: Promise<void> = runStep(s).finally(() => running.delete(task));
      running.add(task);
    }
    if (running.size > 0) await Promise.race(running);
  }
  // exit handlers, in order, whatever happened
  for (const s of p.final.filter((f) => !done.has(f.name))) {
    const missing = s.deps.find((d) => done.get(d)?.status !== 'SUCCEEDED');
    if (missing) await skip(s, `it reads step "${missing}", which did not succeed`);
    else await runStep(s);
  }
}

/** The tag `capstan pipeline cancel` sets on a run: every process running its steps sees it in the shared store. */
export const CANCEL_TAG = 'capstan.cancel';
export const BASE_DIR_TAG = 'capstan.base_dir';

export async function isCancelled(stores: Stores, runId: string): Promise<boolean> {
  return (await stores.metadata.runs.get(runId)).tags[CANCEL_TAG] !== undefined;
}

/** Ask a pipeline run to stop: no step starts after this; steps under way finish; the exit handlers run. */
export async function cancelPipelineRun(stores: Stores, runId: string, actor: string): Promise<void> {
  const run = await stores.metadata.runs.get(runId);
  if (run.tags['capstan.kind'] !== 'pipeline') throw invalid(`run ${runId} is not a pipeline run`);
  if (run.status !== 'RUNNING') throw invalid(`run ${runId} has ended (${run.status}): nothing to cancel`);
  await setTags(stores.metadata.runs, runId, { [CANCEL_TAG]: `${actor} at ${new Date().toISOString()}` });
}
