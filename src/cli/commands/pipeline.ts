import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { invalid } from '../../core/errors.ts';
import type { PipelineRunResult, RunOptions, StepResult } from '../../pipeline/index.ts';
import type { WorkQueue } from '../../queue/index.ts';
import type { Stores } from '../../store/index.ts';
import { localPrincipal, parseIntOption, stores } from '../common.ts';
import { printJson } from '../output.ts';
import { safe, table, when } from '../target.ts';

function readSpecFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw (e as NodeJS.ErrnoException).code === 'ENOENT' ? invalid(`no pipeline file ${file}`) : e;
  }
}

/** `--param k=v` as text (the pipeline's declared types convert it). */
function paramsOf(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of list) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(p);
    if (!m) throw invalid(`--param "${p.slice(0, 80)}" must look like name=value`);
    out[m[1]] = m[2];
  }
  return out;
}

async function load(file: string) {
  const { parsePipeline, compileOrThrow } = await import('../../pipeline/index.ts');
  const parsed = parsePipeline(readSpecFile(file), file);
  return compileOrThrow(parsed.spec, parsed.locate, file);
}

/** The local stores for the length of `fn`, closed after it whatever happens. */
async function withStores<T>(fn: (s: Stores) => Promise<T>): Promise<T> {
  const s = await stores();
  try {
    return await fn(s);
  } finally {
    await s.metadata.close();
  }
}

const seconds = (s: number) => (s >= 10 ? `${s.toFixed(1)} s` : `${s.toFixed(2)} s`);

interface BackendOptions {
  concurrency?: string;
  backend: string;
  redis?: string;
  queue: string;
  json?: boolean;
}

type Shared = Pick<RunOptions, 'stores' | 'actor' | 'concurrency' | 'onEvent'>;

/** Run a pipeline run (a new one, or one resumed) in this process or on workers, printing its steps as they end. */
async function onBackend(o: BackendOptions, go: (s: Stores, queue: WorkQueue | null, shared: Shared) => Promise<PipelineRunResult>): Promise<void> {
  if (o.backend !== 'local' && o.backend !== 'redis') throw invalid(`--backend must be local or redis, got "${o.backend.slice(0, 40)}"`);
  if (o.backend === 'redis' && !o.redis) throw invalid("--backend redis needs --redis URL (the workers' Redis)");
  const concurrency = o.concurrency ? parseIntOption('--concurrency', o.concurrency, 1, 64) : undefined;
  const queue = o.backend === 'redis' ? await (await import('../../queue/index.ts')).openWorkQueue(o.redis!, o.queue) : null;
  const s = await stores();
  try {
    const result = await go(s, queue, {
      stores: s,
      actor: localPrincipal(),
      ...(concurrency ? { concurrency } : {}),
      onEvent: (e) => {
        if (o.json) return;
        if (e.kind === 'retry') process.stdout.write(`  ${e.step.padEnd(20)} retry  attempt ${e.attempt} failed (${safe(e.error.slice(0, 200))}); again in ${e.delaySeconds} s\n`);
        if (e.kind === 'end') process.stdout.write(stepLine(e.result) + '\n');
      },
    });
    if (o.json) printJson(result);
    else process.stdout.write(`run ${result.runId}: ${result.status} in ${seconds(result.seconds)} (capstan pipeline show ${result.runId})\n`);
    if (result.status !== 'FINISHED') process.exitCode = 1;
  } finally {
    await queue?.close();
    await s.metadata.close();
  }
}

function stepLine(r: StepResult): string {
  const what = r.status === 'SUCCEEDED' ? (r.cached ? 'cached' : 'done') : r.status === 'SKIPPED' ? 'skipped' : 'FAILED';
  const detail = [r.iterations !== null ? `${r.iterations} iterations` : '', r.attempts > 1 ? `${r.attempts} attempts` : '', r.reason ?? ''].filter(Boolean).join('; ');
  return `  ${r.name.padEnd(20)} ${what.padEnd(8)} ${r.status === 'SKIPPED' ? '' : seconds(r.seconds).padStart(8)}${detail ? `  ${safe(detail.split('\n')[0].slice(0, 200))}` : ''}`;
}

export function pipelineCommand(program: Command): void {
  const p = program.command('pipeline').description('user pipelines: a YAML (or JSON) file of steps, run with caching and recorded as runs');
  p.command('lint')
    .argument('<file>', 'the pipeline file')
    .description('check a pipeline file: its schema, components, references, types and cycles (every problem, with its line)')
    .action(async (file: string) => {
      const { parsePipeline, compilePipeline, formatProblem } = await import('../../pipeline/index.ts');
      const parsed = parsePipeline(readSpecFile(file), file);
      const { pipeline, problems } = compilePipeline(parsed.spec, parsed.locate);
      if (!pipeline) throw invalid(`${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((x) => `  ${formatProblem(x, file)}`).join('\n')}`);
      process.stdout.write(`${file}: ok (${pipeline.steps.length} steps${pipeline.final.length ? `, ${pipeline.final.length} exit handler${pipeline.final.length === 1 ? '' : 's'}` : ''})\n`);
    });
  p.command('run')
    .argument('<file>', 'the pipeline file')
    .description('run a pipeline in this process (independent steps at once), reusing cached steps')
    .option('--param <name=value...>', 'a pipeline parameter (repeatable)', [])
    .option('--no-cache', 'compute every step')
    .option('--recompute <step...>', 'compute these steps again (their cached outputs are not used)', [])
    .option('--concurrency <n>', 'steps at once (default: the cores)')
    .option('--backend <backend>', 'local (this process) or redis (capstan workers, sharing the metadata and artifact stores)', 'local')
    .option('--redis <url>', 'the Redis server of the workers (--backend redis)')
    .option('--queue <name>', "the workers' queue", 'capstan')
    .option('--json', 'print the run as JSON')
    .action(async (file: string, o: BackendOptions & { param: string[]; cache: boolean; recompute: string[] }) => {
      const pipeline = await load(file);
      const { runCompiledPipeline, runPipelineOnWorkers } = await import('../../pipeline/index.ts');
      await onBackend(o, async (s, queue, shared) => {
        if (!o.json) process.stdout.write(`pipeline ${pipeline.spec.name}: ${pipeline.steps.length} steps${queue ? ` on the workers of queue "${o.queue}"` : ''}\n`);
        const opts = { ...shared, params: paramsOf(o.param), baseDir: dirname(resolve(file)), noCache: !o.cache, noCacheSteps: o.recompute };
        return queue ? runPipelineOnWorkers(pipeline, { ...opts, queue }) : runCompiledPipeline(pipeline, opts);
      });
    });
  p.command('resume')
    .argument('<run-id>', 'a pipeline run that did not end (its capstan pipeline run, or its machine, went away)')
    .description('go on with a run: steps that succeeded keep their results, the others run (here or on workers)')
    .option('--concurrency <n>', 'steps at once (default: the cores)')
    .option('--backend <backend>', 'local (this process) or redis (capstan workers, sharing the metadata and artifact stores)', 'local')
    .option('--redis <url>', 'the Redis server of the workers (--backend redis)')
    .option('--queue <name>', "the workers' queue", 'capstan')
    .option('--json', 'print the run as JSON')
    .action(async (id: string, o: BackendOptions) => {
      const { resumePipelineRun } = await import('../../pipeline/index.ts');
      await onBackend(o, async (s, queue, shared) => {
        if (!o.json) process.stdout.write(`resuming run ${id}${queue ? ` on the workers of queue "${o.queue}"` : ''}\n`);
        return resumePipelineRun(id, { ...shared, ...(queue ? { queue } : {}) });
      });
    });
  p.command('show')
    .argument('<run-id>', 'a pipeline run')
    .description("a pipeline run's steps as a graph: status, duration, cache hits, attempts")
    .option('--json', 'print as JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const { describePipelineRun } = await import('../../pipeline/index.ts');
      await withStores(async (s) => {
        const view = await describePipelineRun(s, id);
        if (o.json) return printJson(view);
        process.stdout.write(`pipeline ${safe(view.pipeline)}, run ${id}: ${view.status}\n`);
        const depth = new Map<string, number>();
        for (const r of view.steps) depth.set(r.step, r.after.length === 0 ? 0 : Math.max(...r.after.map((a) => depth.get(a) ?? 0)) + 1);
        process.stdout.write(
          table([
            ['STEP', 'STATUS', 'TIME', 'CACHE', 'ATTEMPTS', 'AFTER', 'NOTE'],
            ...view.steps.map((r) => [`${'  '.repeat(depth.get(r.step) ?? 0)}${(depth.get(r.step) ?? 0) > 0 ? '└ ' : ''}${r.step}`, r.status, r.seconds === null ? '' : seconds(r.seconds), r.cache, r.attempts ? String(r.attempts) : '', r.after.join(', '), (r.error ?? '').split('\n')[0].slice(0, 80)]),
          ]),
        );
      });
    });
  p.command('runs')
    .description('pipeline runs, newest first')
    .option('--pipeline <name>', 'only runs of this pipeline')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print as JSON')
    .action(async (o: { pipeline?: string; limit: string; json?: boolean }) => {
      const { listPipelineRuns } = await import('../../pipeline/index.ts');
      await withStores(async (s) => {
        const page = await listPipelineRuns(s, { pipeline: o.pipeline, limit: parseIntOption('--limit', o.limit, 1, 1000) });
        if (o.json) return printJson(page);
        if (page.items.length === 0) return void process.stdout.write('no pipeline runs\n');
        process.stdout.write(table([['RUN', 'PIPELINE', 'STATUS', 'STARTED', 'TIME', 'BY'], ...page.items.map((r) => [r.runId, r.pipeline, r.status, when(r.startedAt), r.endedAt ? seconds((r.endedAt - r.startedAt) / 1000) : '', r.user])]));
      });
    });
  p.command('schedule')
    .argument('<file>', 'the pipeline file')
    .description('run a pipeline on a cron schedule (UTC), fired by capstan server: once across servers sharing the store; missed times fire once')
    .requiredOption('--cron <expr>', 'five fields: minute hour day-of-month month day-of-week, e.g. "0 3 * * *"')
    .option('--name <name>', "the schedule's name (default: the pipeline's)")
    .option('--param <name=value...>', 'a pipeline parameter for every run (repeatable)', [])
    .action(async (file: string, o: { cron: string; name?: string; param: string[] }) => {
      const pipeline = await load(file);
      const { nextFire, resolveParams } = await import('../../pipeline/index.ts');
      const params = paramsOf(o.param);
      resolveParams(pipeline.spec, params);
      const nextAt = nextFire(o.cron, Date.now());
      await withStores(async (s) => {
        const sch = await s.metadata.schedules.put({ name: o.name ?? pipeline.spec.name, spec: pipeline.spec, cron: o.cron, params, nextAt, actor: localPrincipal().name });
        process.stdout.write(`schedule ${sch.name}: ${sch.cron}, next at ${new Date(sch.nextAt).toISOString()} (fired by capstan server)\n`);
      });
    });
  p.command('schedules')
    .description('pipeline schedules')
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) => {
      await withStores(async (s) => {
        const list = await s.metadata.schedules.list();
        if (o.json) return printJson(list);
        if (list.length === 0) return void process.stdout.write('no schedules\n');
        process.stdout.write(table([['NAME', 'CRON', 'NEXT', 'LAST RUN', 'BY'], ...list.map((x) => [x.name, x.cron, when(x.nextAt), x.lastRunId ?? '', x.createdBy])]));
      });
    });
  p.command('unschedule')
    .argument('<name>', 'a schedule')
    .description('remove a schedule')
    .action(async (name: string) => {
      await withStores(async (s) => {
        await s.metadata.schedules.delete(name, localPrincipal().name);
        process.stdout.write(`schedule ${name} removed\n`);
      });
    });
  p.command('cancel')
    .argument('<run-id>', 'a running pipeline run')
    .description('cancel a run: no step starts after this (on any backend); steps under way finish; exit handlers run')
    .action(async (id: string) => {
      const { cancelPipelineRun } = await import('../../pipeline/index.ts');
      await withStores(async (s) => {
        await cancelPipelineRun(s, id, localPrincipal().name);
        process.stdout.write(`run ${id}: cancel requested\n`);
      });
    });
  p.command('logs')
    .argument('<run-id>', 'a pipeline run')
    .argument('<step>', 'one of its steps')
    .description("a step's log (its output and what the engine did: cache hits, retries)")
    .action(async (id: string, step: string) => {
      const { stepLog } = await import('../../pipeline/index.ts');
      await withStores(async (s) => {
        // the log is the step's own output: control characters are shown escaped, line breaks kept
        process.stdout.write((await stepLog(s, id, step)).split('\n').map(safe).join('\n'));
      });
    });
  p.command('compile')
    .argument('<file>', 'the pipeline file')
    .description('write the pipeline as an Argo Workflow: each step runs `capstan pipeline step` in the Capstan image against shared stores')
    .requiredOption('--target <target>', 'argo')
    .requiredOption('--image <image>', 'the Capstan image the steps run in')
    .option('--secret <name>', 'a Secret with CAPSTAN_STORE_URI (postgres://...), CAPSTAN_ARTIFACT_URI (s3://...) and AWS_* for the steps')
    .option('--service-account <name>', "the workflow's service account")
    .option('--namespace <ns>', "the workflow's namespace")
    .option('--out <file>', 'write here instead of stdout')
    .action(async (file: string, o: { target: string; image: string; secret?: string; serviceAccount?: string; namespace?: string; out?: string }) => {
      if (o.target !== 'argo') throw invalid(`--target must be argo, got "${o.target.slice(0, 40)}"`);
      const pipeline = await load(file);
      const { argoWorkflow } = await import('../../pipeline/index.ts');
      const { stringify } = await import('yaml');
      const text = stringify(argoWorkflow(pipeline, { image: o.image, secret: o.secret, serviceAccount: o.serviceAccount, namespace: o.namespace }), { lineWidth: 0 });
      if (!o.out) return void process.stdout.write(text);
      writeFileSync(o.out, text);
      process.stdout.write(`wrote ${o.out} (argo submit ${o.out})\n`);
    });
  p.command('step')
    .description('run one task of a compiled pipeline (what an Argo Workflow\'s pods run): --start, --step NAME or --finish STATUS')
    .option('--spec-base64 <text>', 'the pipeline spec as base64-encoded JSON (the workflow passes it)')
    .option('--file <file>', 'the pipeline file (instead of --spec-json)')
    .requiredOption('--workflow <id>', "the workflow's id: all its tasks share one pipeline run")
    .option('--start', 'open the pipeline run (the first task)')
    .option('--step <name>', 'run this step')
    .option('--finish <status>', "close the run (the exit handler; the workflow's status)")
    .option('--param <name=value...>', 'a pipeline parameter (with --start)', [])
    .action(async (o: { specBase64?: string; file?: string; workflow: string; start?: boolean; step?: string; finish?: string; param: string[] }) => {
      if ([o.start, o.step, o.finish].filter((x) => x !== undefined).length !== 1) throw invalid('give one of --start, --step NAME, --finish STATUS');
      const { parsePipeline, compileOrThrow, startWorkflowRun, runWorkflowStep, finishWorkflowRun } = await import('../../pipeline/index.ts');
      if ((o.specBase64 === undefined) === (o.file === undefined)) throw invalid('give the pipeline with --spec-base64 or --file');
      const parsed = parsePipeline(o.specBase64 !== undefined ? Buffer.from(o.specBase64, 'base64').toString('utf8') : readSpecFile(o.file!), o.file ?? 'spec');
      const pipeline = compileOrThrow(parsed.spec, parsed.locate, o.file ?? 'spec');
      await withStores(async (s) => {
        const common = { stores: s, actor: localPrincipal(), baseDir: o.file ? dirname(resolve(o.file)) : process.cwd() };
        if (o.start) {
          const run = await startWorkflowRun(pipeline, { ...common, params: paramsOf(o.param) }, o.workflow);
          process.stdout.write(`pipeline run ${run.id} for workflow ${safe(o.workflow)}\n`);
        } else if (o.step !== undefined) {
          const r = await runWorkflowStep(pipeline, { ...common, params: {}, retriedOutside: true }, o.workflow, o.step);
          process.stdout.write(stepLine(r) + '\n');
          if (r.status === 'FAILED') process.exitCode = 1;
        } else {
          const run = await finishWorkflowRun(pipeline, s, o.workflow, o.finish!);
          process.stdout.write(`pipeline run ${run.id}: ${run.status}\n`);
        }
      });
    });
  p.command('schema')
    .description('the JSON Schema of pipeline files')
    .action(async () => {
      const { PipelineSpecSchema } = await import('../../pipeline/index.ts');
      printJson(JSON.parse(JSON.stringify(PipelineSpecSchema)));
    });
  p.command('components')
    .description('the built-in components and their typed inputs and outputs')
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) => {
      const { COMPONENTS } = await import('../../pipeline/index.ts');
      const list = [...COMPONENTS.values()].map((c) => ({ name: c.name, version: c.version, description: c.description, inputs: c.inputs, outputs: c.outputs }));
      if (o.json) return printJson(list);
      for (const c of list) {
        process.stdout.write(`${c.name}@${c.version}: ${c.description}\n`);
        for (const [k, port] of Object.entries(c.inputs)) process.stdout.write(`    in  ${k.padEnd(14)} ${port.type.padEnd(8)} ${port.description}${port.default !== undefined ? ` (default ${JSON.stringify(port.default)})` : port.optional ? ' (optional)' : ''}\n`);
        for (const [k, port] of Object.entries(c.outputs)) process.stdout.write(`    out ${k.padEnd(14)} ${port.type.padEnd(8)} ${port.description}\n`);
      }
    });
}
