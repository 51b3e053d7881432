import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Workflow } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1';
import { parse } from 'yaml';
import { openStores } from '../src/store/index.ts';
import { BIN, cli, ROOT, tempHome } from './helpers.ts';

/*
 * Argo: every example compiles to a Workflow that passes Argo's own schema (the kubernetes-models package of Argo Workflows).
 * No cluster runs here, so the compiled workflow is then executed the way Argo would: its tasks in dependency order, each
 * container's `capstan` arguments run as a separate process with Argo's variables filled in, retries as retryStrategy says,
 * then the exit handler. The run it records must be the local engine's.
 */

const EXAMPLES = join(ROOT, 'examples', 'pipelines');

type Container = { args: string[] };
type Template = { name: string; container?: Container; dag?: { tasks: { name: string; template: string; dependencies?: string[]; depends?: string }[] }; retryStrategy?: { limit: string } };
type Wf = { spec: { arguments: { parameters: { name: string; value?: string }[] }; templates: Template[]; onExit: string; entrypoint: string } };

function compile(file: string): Wf {
  const r = cli(['pipeline', 'compile', file, '--target', 'argo', '--image', 'capstan:test', '--secret', 'capstan-stores'], tempHome());
  assert.equal(r.status, 0, r.stderr);
  return parse(r.stdout) as Wf;
}

/** Run a compiled workflow as Argo would, on one machine: returns each task's exit codes. */
function execute(wf: Wf, home: string, cwd: string, overrides: Record<string, string> = {}): Map<string, number[]> {
  const params = new Map(wf.spec.arguments.parameters.map((p) => [p.name, overrides[p.name] ?? p.value ?? '']));
  const uid = `wf-${Math.random().toString(16).slice(2)}`;
  const templates = new Map(wf.spec.templates.map((t) => [t.name, t]));
  const codes = new Map<string, number[]>();
  let failed = false;
  const runTemplate = (task: string, name: string, status = 'Running') => {
    const t = templates.get(name)!;
    const args = t.container!.args.map((a) => a.replace(/\{\{workflow\.parameters\.([a-z0-9-]+)\}\}/g, (_m, k: string) => params.get(k)!).replace('{{workflow.uid}}', uid).replace('{{workflow.status}}', status));
    const tries = 1 + Number(t.retryStrategy?.limit ?? 0);
    const got: number[] = [];
    for (let i = 0; i < tries; i++) {
      const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, CAPSTAN_HOME: home }, encoding: 'utf8' });
      got.push(r.status ?? -1);
      if (r.status === 0) break;
    }
    codes.set(task, got);
    return got.at(-1) === 0;
  };
  const dag = templates.get(wf.spec.entrypoint)!.dag!.tasks;
  const done = new Set<string>();
  while (done.size < dag.length) {
    const next = dag.find((t) => !done.has(t.name) && (t.dependencies ?? []).every((d) => done.has(d)))!;
    done.add(next.name);
    // Argo runs a task only when its dependencies succeeded
    if ((next.dependencies ?? []).some((d) => codes.get(d)?.at(-1) !== 0)) continue;
    if (!runTemplate(next.name, next.template)) failed = true;
  }
  // the exit handler's tasks run one after the other, whatever each one before did
  for (const t of templates.get(wf.spec.onExit)!.dag!.tasks) runTemplate(t.name, t.template, failed ? 'Failed' : 'Succeeded');
  return codes;
}

describe('pipelines on Argo', () => {
  it('every example compiles to a Workflow that passes Argo\'s schema; a broken one does not', () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
    for (const f of files) {
      const wf = compile(join(EXAMPLES, f));
      assert.doesNotThrow(() => new Workflow(wf as never).validate(), f);
      const spec = JSON.parse(Buffer.from(wf.spec.arguments.parameters[0].value!, 'base64').toString('utf8'));
      assert.deepEqual(spec, parse(readFileSync(join(EXAMPLES, f), 'utf8')));
    }
    const wf = compile(join(EXAMPLES, 'train.yaml'));
    const train = wf.spec.templates.find((t) => t.name === 'step-train')!;
    assert.deepEqual(train.retryStrategy, { limit: '1', retryPolicy: 'Always', backoff: { duration: '1s', factor: '2' } });
    assert.equal((train as { activeDeadlineSeconds?: string }).activeDeadlineSeconds, '600');
    delete (train.container as { name?: string }).name;
    assert.throws(() => new Workflow(wf as never).validate(), /container must have required property 'name'|must have required property name/);
  });

  it('the compiled workflow, run task by task in separate processes, records what the local engine records', async () => {
    const home = tempHome();
    const wf = compile(join(EXAMPLES, 'train.yaml'));
    const codes = execute(wf, home, EXAMPLES, { 'param-gbdt': '{"n_estimators": 20, "max_depth": 3}' });
    assert.deepEqual([...codes.entries()].map(([k, v]) => [k, v.at(-1)]), [['capstan-start', 0], ['load', 0], ['split', 0], ['train', 0], ['gate', 0], ['register', 0], ['manifests', 0], ['done', 0], ['capstan-finish', 0]]);
    const stores = await openStores(home);
    try {
      const page = await stores.metadata.runs.search({ filter: "tags.capstan.kind = 'pipeline'" });
      assert.equal(page.items.length, 1);
      const run = page.items[0];
      assert.equal(run.status, 'FINISHED');
      assert.deepEqual((await stores.metadata.runs.listSteps(run.id)).map((s) => `${s.name}:${s.status}`), ['load:SUCCEEDED', 'split:SUCCEEDED', 'train:SUCCEEDED', 'gate:SUCCEEDED', 'register:SUCCEEDED', 'manifests:SUCCEEDED', 'done:SUCCEEDED']);
      const v = await stores.metadata.models.getVersion('churn-pipeline', 1);
      assert.equal(v.runId, run.id);
      assert.equal(run.params.gbdt, '{"n_estimators":20,"max_depth":3}');
    } finally {
      await stores.metadata.close();
    }
    // a second workflow reuses the first one's steps through the shared cache
    const again = execute(wf, home, EXAMPLES, { 'param-gbdt': '{"n_estimators": 20, "max_depth": 3}' });
    assert.ok([...again.values()].every((v) => v.at(-1) === 0));
    const show = cli(['runs', 'list', '--experiment', 'pipelines', '--filter', "tags.capstan.kind = 'pipeline'"], home);
    assert.equal(show.stdout.trim().split('\n').length, 3);
  });
});
