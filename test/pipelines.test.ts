import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { components, type ComponentContext, type ModelRef, type PipelineRunResult } from '../src/pipeline/index.ts';
import { blobName, openStores, readBlob } from '../src/store/index.ts';
import { BIN, cliAsync, ROOT, TELCO, tempHome } from './helpers.ts';

/*
 * User pipelines end to end, through the CLI as a user runs them: the examples, the cache (hits, invalidation by content,
 * deleted artifacts, --no-cache-step), command steps in Python and sh, forEach with a fan-in, retries, timeouts, conditions and
 * exit handlers, and what is recorded (a run per step, logs, lineage).
 */

const EXAMPLES = join(ROOT, 'examples', 'pipelines');
const SMALL = '--param=gbdt={"n_estimators": 20, "max_depth": 3}';

async function run(home: string, args: string[]): Promise<{ status: number | null; result: PipelineRunResult; stderr: string }> {
  const r = await cliAsync(['pipeline', 'run', ...args, '--json'], home);
  assert.ok(r.stdout.trim().startsWith('{'), `no JSON: ${r.stdout}${r.stderr}`);
  return { status: r.status, result: JSON.parse(r.stdout) as PipelineRunResult, stderr: r.stderr };
}
const byName = (r: PipelineRunResult) => Object.fromEntries(r.steps.map((s) => [s.name, s]));

describe('pipelines', () => {
  it('the training example runs, registers when the gate passes, and a re-run reuses every step', async () => {
    const home = tempHome();
    const first = await run(home, [join(EXAMPLES, 'train.yaml'), SMALL]);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.result.status, 'FINISHED');
    const steps = byName(first.result);
    assert.deepEqual(first.result.steps.map((s) => [s.name, s.status, s.cached]), [['load', 'SUCCEEDED', false], ['split', 'SUCCEEDED', false], ['train', 'SUCCEEDED', false], ['gate', 'SUCCEEDED', false], ['register', 'SUCCEEDED', false], ['manifests', 'SUCCEEDED', false], ['done', 'SUCCEEDED', false]]);
    assert.equal(steps.gate.outputs!.passed, true);
    assert.equal(steps.register.outputs!.version, 1);

    const stores = await openStores(home);
    try {
      const v = await stores.metadata.models.getVersion('churn-pipeline', 1);
      assert.equal(v.runId, first.result.runId);
      // lineage: the pipeline run and the load step's run used the dataset version
      assert.deepEqual((await stores.metadata.runs.listDatasets(first.result.runId)).map((d) => d.name), ['telco_churn']);
      const trainRun = await stores.metadata.runs.get(steps.train.runId!);
      assert.equal(trainRun.tags['mlflow.parentRunId'], first.result.runId);
      assert.ok(trainRun.metrics.test_roc_auc > 0.7);
      assert.deepEqual((await stores.metadata.runs.listArtifacts(steps.split.runId!)).map((a) => a.path).sort(), ['logs/step.log', 'outputs.json', 'outputs/test', 'outputs/train']);
      assert.deepEqual((await stores.metadata.runs.listSteps(first.result.runId)).map((s) => `${s.name}:${s.status}`), ['load:SUCCEEDED', 'split:SUCCEEDED', 'train:SUCCEEDED', 'gate:SUCCEEDED', 'register:SUCCEEDED', 'manifests:SUCCEEDED', 'done:SUCCEEDED']);
      // the deploy step's manifests: validated Kubernetes objects for the registered version
      const yaml = (await readBlob(stores.artifacts, (steps.manifests.outputs!.manifests as { blob: string }).blob)).toString('utf8');
      assert.match(yaml, /kind: Deployment[\s\S]*kind: Service[\s\S]*kind: HorizontalPodAutoscaler/);
      assert.match(yaml, /capstan\.dev\/version: "1"/);
      // a register step run again after its worker died having registered: the version it made, nothing registered twice
      const again = await components.register.run({ model: steps.train.outputs!.model as ModelRef, name: 'churn-pipeline', description: '' }, { stores, runId: steps.register.runId!, pipelineRunId: first.result.runId, actor: { name: 'x', role: 'admin' }, log: () => undefined } as unknown as ComponentContext);
      assert.deepEqual(again, { version: 1 });
      assert.equal((await stores.metadata.models.getModel('churn-pipeline')).latestVersion, 1);
    } finally {
      await stores.metadata.close();
    }

    const again = await run(home, [join(EXAMPLES, 'train.yaml'), SMALL]);
    assert.deepEqual(again.result.steps.map((s) => [s.name, s.cached]), first.result.steps.map((s) => [s.name, true]));
    assert.deepEqual(byName(again.result).register.outputs, { version: 1 });
    const stores2 = await openStores(home);
    try {
      // a reused load still records the dataset on the new run
      assert.deepEqual((await stores2.metadata.runs.listDatasets(again.result.runId)).map((d) => d.name), ['telco_churn']);
    } finally {
      await stores2.metadata.close();
    }

    const show = await cliAsync(['pipeline', 'show', again.result.runId], home);
    assert.equal(show.status, 0, show.stderr);
    assert.match(show.stdout, /└ train\s+SUCCEEDED\s+\S+ s\s+hit\s+split/);
    const logs = await cliAsync(['pipeline', 'logs', first.result.runId, 'gate'], home);
    assert.match(logs.stdout, /roc_auc 0\.\d+ \(gate 0\.8: passed\)/);

    // only the step asked for is computed again (and what reads its new model)
    const retrain = await run(home, [join(EXAMPLES, 'train.yaml'), SMALL, '--recompute', 'train']);
    assert.deepEqual(retrain.result.steps.slice(0, 3).map((s) => [s.name, s.cached]), [['load', true], ['split', true], ['train', false]]);
    // a stricter gate: the registration is skipped
    const strict = await run(home, [join(EXAMPLES, 'train.yaml'), SMALL, '--param', 'minAuc=0.99']);
    assert.deepEqual(strict.result.steps.map((s) => [s.name, s.status]), [['load', 'SUCCEEDED'], ['split', 'SUCCEEDED'], ['train', 'SUCCEEDED'], ['gate', 'SUCCEEDED'], ['register', 'SKIPPED'], ['manifests', 'SKIPPED'], ['done', 'SUCCEEDED']]);
    assert.equal(byName(strict.result).gate.cached, false);
    assert.match(byName(strict.result).register.reason!, /condition .* does not hold/);
  });

  it('validate gates a file against the dataset version it came from; predict scores a file with the trained model', async () => {
    const home = tempHome();
    const dir = mkdtempSync(join(tmpdir(), 'capstan-pipe-'));
    const lines = readFileSync(TELCO, 'utf8').split('\n');
    // the same columns, but a contract value the training data never had
    writeFileSync(join(dir, 'drifted.csv'), [lines[0], ...lines.slice(1, 400).map((l) => l.replace('"Month-to-month"', '"Weekly"'))].join('\n') + '\n');
    writeFileSync(
      join(dir, 'p.yaml'),
      [
        'apiVersion: capstan.dev/v1', 'kind: Pipeline', 'name: checked', 'params:', `  data: { type: string, default: '${TELCO}' }`, 'steps:',
        '  - name: load', '    component: capstan/load', "    inputs: { path: '${{ params.data }}', name: telco }",
        '  - name: split', '    component: capstan/split', "    inputs: { data: '${{ steps.load.outputs.data }}', stratify: churn }",
        '  - name: check', '    component: capstan/validate', "    inputs: { data: '${{ steps.split.outputs.test }}', reference: '${{ steps.load.outputs.dataset }}' }",
        // the drifted file as the dataset's next version: its check is kept with that version
        '  - name: other', '    component: capstan/load', '    inputs: { path: drifted.csv, name: telco }',
        '  - name: check-other', '    component: capstan/validate', "    inputs: { data: '${{ steps.other.outputs.data }}', reference: '${{ steps.load.outputs.dataset }}', fail: false }",
        '  - name: train', '    component: capstan/train', "    inputs: { data: '${{ steps.split.outputs.train }}', target: churn, params: { n_estimators: 10 } }",
        '  - name: score', '    component: capstan/predict', "    inputs: { model: '${{ steps.train.outputs.model }}', data: '${{ steps.split.outputs.test }}' }",
        '',
      ].join('\n'),
    );
    const r = await run(home, [join(dir, 'p.yaml')]);
    assert.equal(r.result.status, 'FINISHED', JSON.stringify(r.result.steps.map((x) => x.reason)));
    const s = byName(r.result);
    assert.equal(s.check.outputs!.errors, 0);
    assert.equal(s['check-other'].outputs!.passed, false);
    assert.ok((s['check-other'].outputs!.anomalies as { column: string }[]).some((a) => a.column === 'contract'));
    assert.equal(s.score.outputs!.rows, s.split.outputs!.testRows);
    const stores = await openStores(home);
    try {
      // load and other run side by side: either may be version 1
      const versions = await stores.metadata.datasets.list('telco');
      const drifted = versions.find((v) => v.source.endsWith('drifted.csv'))!;
      const original = versions.find((v) => v !== drifted)!;
      assert.equal(original.version, (s.load.outputs!.dataset as { version: number }).version);
      const [kept] = await stores.metadata.datasets.listValidations('telco', drifted.version);
      assert.deepEqual([kept.reference, kept.runId !== null, kept.errors], [{ name: 'telco', version: original.version }, true, s['check-other'].outputs!.errors]);
      assert.ok(kept.anomalies.some((a) => a.column === 'contract' && a.kind === 'out_of_domain'));
      assert.deepEqual(await stores.metadata.datasets.listValidations('telco', original.version), [], 'the split\'s test file is not a version: nothing kept');
      const { stream } = await stores.artifacts.openBlob((s.score.outputs!.predictions as { blob: string }).blob);
      let text = '';
      for await (const c of stream) text += c;
      const csv = text.trim().split('\n');
      assert.equal(csv[0], 'prediction,proba_No,proba_Yes');
      assert.equal(csv.length - 1, s.split.outputs!.testRows);
      assert.match(csv[1], /^(No|Yes),0\.\d+,0\.\d+$/);
    } finally {
      await stores.metadata.close();
    }
  });

  it('the cache never reuses deleted artifacts or outputs of another file content', async () => {
    const home = tempHome();
    const dir = mkdtempSync(join(tmpdir(), 'capstan-pipe-'));
    copyFileSync(join(EXAMPLES, 'train.yaml'), join(dir, 'train.yaml'));
    copyFileSync(TELCO, join(dir, 'data.csv'));
    const args = [join(dir, 'train.yaml'), SMALL, '--param', 'data=data.csv'];
    const first = await run(home, args);
    assert.equal(first.result.status, 'FINISHED', first.stderr);
    // the split's train file is gone from the artifact store: split runs again; what follows gets the same content and is reused
    rmSync(join(home, 'artifacts', blobName((byName(first.result).split.outputs!.train as { blob: string }).blob)));
    const second = await run(home, args);
    assert.deepEqual(second.result.steps.map((s) => [s.name, s.cached]), [['load', true], ['split', false], ['train', true], ['gate', true], ['register', true], ['manifests', true], ['done', true]]);
    // the same path with other content is another input
    const lines = readFileSync(join(dir, 'data.csv'), 'utf8').split('\n');
    writeFileSync(join(dir, 'data.csv'), lines.slice(0, 3000).join('\n') + '\n');
    const third = await run(home, args);
    assert.deepEqual(third.result.steps.map((s) => [s.name, s.cached]), [['load', false], ['split', false], ['train', false], ['gate', false], ['register', false], ['manifests', false], ['done', true]]);
    assert.equal(byName(third.result).load.outputs!.rows, 2999);
    assert.equal(byName(third.result).register.outputs!.version, 2);
  });

  it('a Python command step and a parallel-for with a fan-in', async () => {
    const home = tempHome();
    const py = await run(home, [join(EXAMPLES, 'python-step.yaml')]);
    assert.equal(py.result.status, 'FINISHED', JSON.stringify(py.result.steps.map((s) => s.reason)));
    assert.equal(byName(py.result).features.outputs!.rows, 7043);
    const logs = await cliAsync(['pipeline', 'logs', py.result.runId, 'features'], home);
    assert.match(logs.stdout, /added charges_per_month to 7043 rows/);

    const best = await run(home, [join(EXAMPLES, 'learners.yaml'), '--param', 'learners=["linear", "gbdt"]', '--concurrency', '2']);
    assert.equal(best.result.status, 'FINISHED', JSON.stringify(best.result.steps.map((s) => s.reason)));
    const s = byName(best.result);
    assert.equal(s.train.iterations, 2);
    const scores = s.train.outputs!.score as number[];
    assert.equal(scores.length, 2);
    assert.equal(s.best.outputs!.index, scores[0] >= scores[1] ? 0 : 1);
    assert.deepEqual(s.best.outputs!.model, (s.train.outputs!.model as unknown[])[s.best.outputs!.index as number]);
    // two fits at once: the second ran in a worker thread of its own (with its own store connections), logging as usual
    const trainLog = (await cliAsync(['pipeline', 'logs', best.result.runId, 'train'], home)).stdout;
    assert.equal(trainLog.match(/^\[[01]\] \(in a worker thread: another CPU-bound step is running\)$/gm)?.length, 1, trainLog);
    assert.match(trainLog, /\[1\] gbdt fitted on \d+ rows/);
    assert.match(trainLog, /\[0\] linear fitted on \d+ rows/);
    const stores = await openStores(home);
    try {
      const iterations = (await stores.metadata.runs.search({ filter: `tags.capstan.step = 'train' and tags.capstan.kind = 'pipeline-iteration'` })).items;
      assert.deepEqual(iterations.map((r) => [r.params.learner, r.status]).sort(), [['gbdt', 'FINISHED'], ['linear', 'FINISHED']]);
      assert.ok(iterations.every((r) => r.metrics.test_roc_auc > 0.7));
    } finally {
      await stores.metadata.close();
    }
  });

  it('retries with backoff, timeouts, failures that skip what follows, and exit handlers that run anyway', async () => {
    const home = tempHome();
    const dir = mkdtempSync(join(tmpdir(), 'capstan-pipe-'));
    writeFileSync(
      join(dir, 'p.yaml'),
      `apiVersion: capstan.dev/v1
kind: Pipeline
name: flaky
steps:
  - name: flaky
    command: [sh, -c, 'if [ -f marker ]; then echo "{\\"n\\": 7}" > "$CAPSTAN_VALUES"; else touch marker; echo first try fails >&2; exit 3; fi']
    outputs: { n: number }
    retries: 2
    retryDelaySeconds: 0.05
    cache: false
  - name: slow
    command: [sleep, '5']
    outputs: { x: string }
    timeoutSeconds: 0.5
  - name: after-slow
    component: capstan/noop
    inputs: { value: '\${{ steps.slow.outputs.x }}' }
  - name: uses-n
    component: capstan/noop
    inputs: { value: '\${{ steps.flaky.outputs.n }}' }
finally:
  - name: cleanup
    command: [rm, -f, marker]
`,
    );
    const t0 = Date.now();
    const r = await run(home, [join(dir, 'p.yaml')]);
    assert.ok(Date.now() - t0 < 20_000);
    assert.equal(r.status, 1);
    assert.equal(r.result.status, 'FAILED');
    const s = byName(r.result);
    assert.equal(s.flaky.status, 'SUCCEEDED');
    assert.equal(s.flaky.attempts, 2);
    assert.deepEqual(s['uses-n'].outputs, { value: 7 });
    assert.equal(s.slow.status, 'FAILED');
    assert.match(s.slow.reason!, /timed out after 0\.5 s/);
    assert.equal(s['after-slow'].status, 'SKIPPED');
    assert.match(s['after-slow'].reason!, /step "slow" failed/);
    assert.equal(s.cleanup.status, 'SUCCEEDED');
    const logs = await cliAsync(['pipeline', 'logs', r.result.runId, 'flaky'], home);
    assert.match(logs.stdout, /stderr: first try fails\nattempt 1 failed: sh exited with code 3/);
  });

  it('cancel: no step starts after it, the exit handler runs, the run ends KILLED; pipeline runs lists it', async () => {
    const home = tempHome();
    const dir = mkdtempSync(join(tmpdir(), 'capstan-pipe-'));
    // the first step waits for the test's go-ahead, given once the cancel is in
    writeFileSync(join(dir, 'wait.sh'), `while [ ! -f go ]; do sleep 0.05; done; printf '{"x": 1}' > "$CAPSTAN_VALUES"\n`);
    writeFileSync(
      join(dir, 'p.yaml'),
      ['apiVersion: capstan.dev/v1', 'kind: Pipeline', 'name: long', 'steps:', '  - name: wait', '    command: [sh, wait.sh]', '    outputs: { x: number }', '  - name: next', '    component: capstan/noop', "    inputs: { value: '${{ steps.wait.outputs.x }}' }", 'finally:', '  - name: report', '    component: capstan/noop', ''].join('\n'),
    );
    const running = cliAsync(['pipeline', 'run', join(dir, 'p.yaml'), '--json'], home);
    let id = '';
    for (let i = 0; i < 200 && !id; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const list = await cliAsync(['pipeline', 'runs', '--json'], home);
      id = (JSON.parse(list.stdout) as { items: { runId: string; status: string }[] }).items.find((x) => x.status === 'RUNNING')?.runId ?? '';
    }
    assert.ok(id, 'the run did not show up as RUNNING');
    const cancel = await cliAsync(['pipeline', 'cancel', id], home);
    assert.equal(cancel.status, 0, cancel.stderr);
    writeFileSync(join(dir, 'go'), '');
    const r = await running;
    const result = JSON.parse(r.stdout) as PipelineRunResult;
    assert.equal(result.status, 'KILLED');
    assert.equal(r.status, 1);
    assert.deepEqual(result.steps.map((x) => [x.name, x.status]), [['wait', 'SUCCEEDED'], ['next', 'SKIPPED'], ['report', 'SUCCEEDED']]);
    assert.equal(result.steps[1].reason, 'the run was cancelled');
    const list = await cliAsync(['pipeline', 'runs'], home);
    assert.match(list.stdout, new RegExp(`${id}\\s+long\\s+KILLED`));
    const again = await cliAsync(['pipeline', 'cancel', id], home);
    assert.match(again.stderr, /has ended \(KILLED\): nothing to cancel/);
  });

  it('a gate against the champion: the first model passes (no champion yet) and becomes it; a weaker one is not registered', async () => {
    const home = tempHome();
    const dir = mkdtempSync(join(tmpdir(), 'capstan-pipe-'));
    copyFileSync(TELCO, join(dir, 'data.csv'));
    writeFileSync(
      join(dir, 'p.yaml'),
      `apiVersion: capstan.dev/v1
kind: Pipeline
name: challenger
params:
  gbdt: { type: json }
steps:
  - name: load
    component: capstan/load
    inputs: { path: data.csv }
  - name: split
    component: capstan/split
    inputs: { data: '\${{ steps.load.outputs.data }}', stratify: churn }
  - name: train
    component: capstan/train
    inputs: { data: '\${{ steps.split.outputs.train }}', target: churn, params: '\${{ params.gbdt }}', testFraction: 0 }
  - name: gate
    component: capstan/evaluate
    inputs: { model: '\${{ steps.train.outputs.model }}', data: '\${{ steps.split.outputs.test }}', champion: churn@best }
  - name: register
    component: capstan/register
    when: '\${{ steps.gate.outputs.passed }}'
    inputs: { model: '\${{ steps.train.outputs.model }}', name: churn }
  - name: promote
    component: capstan/set-alias
    inputs: { name: churn, alias: best, version: '\${{ steps.register.outputs.version }}' }
`,
    );
    const first = await run(home, [join(dir, 'p.yaml'), '--param=gbdt={"n_estimators": 60, "max_depth": 3}']);
    assert.equal(first.result.status, 'FINISHED', JSON.stringify(first.result.steps.map((x) => x.reason)));
    assert.deepEqual(byName(first.result).gate.outputs!.champion, null);
    assert.equal(byName(first.result).promote.outputs!.version, 1);
    const weaker = await run(home, [join(dir, 'p.yaml'), '--param=gbdt={"n_estimators": 1, "max_depth": 1}']);
    const steps = byName(weaker.result);
    assert.equal(steps.gate.outputs!.passed, false);
    const champion = steps.gate.outputs!.champion as { name: string; version: number; score: number };
    assert.deepEqual([champion.name, champion.version], ['churn', 1]);
    assert.ok(champion.score > (steps.gate.outputs!.score as number));
    assert.deepEqual([steps.register.status, steps.promote.status], ['SKIPPED', 'SKIPPED']);
    const log = (await cliAsync(['pipeline', 'logs', weaker.result.runId, 'gate'], home)).stdout;
    assert.match(log, /gate champion churn:1: not passed: roc_auc 0\.\d+ is worse than the champion's 0\.\d+ \(churn:1\)/);
  });

  it('resume: a run whose capstan pipeline run was killed goes on, keeping the steps that succeeded', async () => {
    const home = tempHome();
    const dir = mkdtempSync(join(tmpdir(), 'capstan-pipe-'));
    // first counts its runs; slow says it started, then waits for the test's go-ahead
    writeFileSync(join(dir, 'first.sh'), `echo x >> count; printf '{"x": 1}' > "$CAPSTAN_VALUES"\n`);
    writeFileSync(join(dir, 'slow.sh'), `touch started; while [ ! -f go ]; do sleep 0.05; done; printf '{"y": 2}' > "$CAPSTAN_VALUES"\n`);
    writeFileSync(
      join(dir, 'p.yaml'),
      ['apiVersion: capstan.dev/v1', 'kind: Pipeline', 'name: resumable', 'steps:', '  - name: first', '    command: [sh, first.sh]', '    outputs: { x: number }', '  - name: slow', '    command: [sh, slow.sh]', "    inputs: { x: '${{ steps.first.outputs.x }}' }", '    outputs: { y: number }', '  - name: last', '    component: capstan/noop', "    inputs: { value: '${{ steps.slow.outputs.y }}' }", ''].join('\n'),
    );
    const child = spawn(process.execPath, [BIN, 'pipeline', 'run', join(dir, 'p.yaml')], { env: { ...process.env, CAPSTAN_HOME: home }, stdio: 'ignore' });
    for (let i = 0; i < 300 && !existsSync(join(dir, 'started')); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(join(dir, 'started')), 'the slow step did not start');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const list = JSON.parse((await cliAsync(['pipeline', 'runs', '--json'], home)).stdout) as { items: { runId: string; status: string }[] };
    const id = list.items[0].runId;
    assert.equal(list.items[0].status, 'RUNNING');
    writeFileSync(join(dir, 'go'), '');

    const r = await cliAsync(['pipeline', 'resume', id, '--json'], home);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const result = JSON.parse(r.stdout) as PipelineRunResult;
    assert.equal(result.runId, id);
    assert.equal(result.status, 'FINISHED');
    assert.deepEqual(result.steps.map((x) => [x.name, x.status]), [['first', 'SUCCEEDED'], ['slow', 'SUCCEEDED'], ['last', 'SUCCEEDED']]);
    assert.deepEqual(byName(result).last.outputs, { value: 2 });
    // first ran once; slow has one run that ended well and the dead process's, marked failed
    assert.equal(readFileSync(join(dir, 'count'), 'utf8'), 'x\n');
    const stores = await openStores(home);
    try {
      const slow = (await stores.metadata.runs.search({ filter: `tags.mlflow.parentRunId = '${id}' and tags.capstan.step = 'slow'` })).items;
      assert.deepEqual(slow.map((x) => x.status).sort(), ['FAILED', 'FINISHED']);
      assert.equal((await stores.metadata.runs.get(id)).status, 'FINISHED');
    } finally {
      await stores.metadata.close();
    }
    const again = await cliAsync(['pipeline', 'resume', id], home);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /ended FINISHED: there is nothing to resume/);
  });

  it('lint and run refuse bad files and parameters with the field and line, and exit non-zero', async () => {
    const home = tempHome();
    const bad = join(mkdtempSync(join(tmpdir(), 'capstan-pipe-')), 'bad.yaml');
    writeFileSync(bad, 'apiVersion: capstan.dev/v1\nkind: Pipeline\nname: bad\nsteps:\n  - name: t\n    component: capstan/train\n    inputs: { data: 3, target: y }\n');
    const lint = await cliAsync(['pipeline', 'lint', bad], home);
    assert.equal(lint.status, 1);
    assert.match(lint.stderr, /bad\.yaml:7: step "t" inputs\.data: a file comes from a step output, not a literal/);
    assert.doesNotMatch(lint.stderr, /\n\s+at /);
    const ok = await cliAsync(['pipeline', 'lint', join(EXAMPLES, 'train.yaml')], home);
    assert.equal(ok.status, 0);
    assert.match(ok.stdout, /ok \(6 steps, 1 exit handler\)/);
    const unknown = await cliAsync(['pipeline', 'run', join(EXAMPLES, 'train.yaml'), '--param', 'minAuk=1'], home);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /parameter "minAuk" is not declared/);
    const missing = await cliAsync(['pipeline', 'run', join(ROOT, 'nope.yaml')], home);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no pipeline file/);
  });
});
