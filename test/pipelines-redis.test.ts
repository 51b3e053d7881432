import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { PipelineRunResult } from '../src/pipeline/index.ts';
import { openStores } from '../src/store/index.ts';
import { BIN, cliAsync, dropPgSchemas, pgTestUri, ROOT, tempHome } from './helpers.ts';

/*
 * Pipelines on Redis workers: two `capstan worker` processes sharing a PostgreSQL metadata store and an artifact folder with
 * the process that runs the pipeline. The training example runs end to end; then a worker is killed with SIGKILL in the middle
 * of a step: the run completes on the other, and the step has exactly one run that ended well.
 */

const REDIS = process.env.CAPSTAN_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const children: ChildProcess[] = [];
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await dropPgSchemas();
});

interface Worker {
  child: ChildProcess;
  log: string;
}

async function startWorker(queue: string, env: Record<string, string>, redis = REDIS): Promise<Worker> {
  const child = spawn(process.execPath, [BIN, 'worker', '--redis', redis, '--queue', queue], { env: { ...process.env, ...env } });
  children.push(child);
  const w: Worker = { child, log: '' };
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      w.log += d.toString();
      if (w.log.includes('listening on queue')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${w.log}`)));
  });
  return w;
}

describe('pipelines on Redis workers', () => {
  const queue = `pipe${process.pid}`;
  const env = { CAPSTAN_HOME: tempHome(), CAPSTAN_STORE_URI: pgTestUri() };

  it('the training example runs on two workers and records what the local engine records', async () => {
    const w1 = await startWorker(queue, env);
    const w2 = await startWorker(queue, env);
    const r = await cliAsync(['pipeline', 'run', join(ROOT, 'examples', 'pipelines', 'train.yaml'), '--param=gbdt={"n_estimators": 20, "max_depth": 3}', '--backend', 'redis', '--redis', REDIS, '--queue', queue, '--json'], env.CAPSTAN_HOME, env);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const result = JSON.parse(r.stdout) as PipelineRunResult;
    assert.equal(result.status, 'FINISHED');
    assert.deepEqual(result.steps.map((s) => [s.name, s.status]), [['load', 'SUCCEEDED'], ['split', 'SUCCEEDED'], ['train', 'SUCCEEDED'], ['gate', 'SUCCEEDED'], ['register', 'SUCCEEDED'], ['manifests', 'SUCCEEDED'], ['done', 'SUCCEEDED']]);
    assert.match(w1.log + w2.log, /finished pipeline-step \S+\.train/);
    const stores = await openStores(env.CAPSTAN_HOME, env.CAPSTAN_STORE_URI);
    try {
      assert.equal((await stores.metadata.models.getVersion('churn-pipeline', 1)).runId, result.runId);
      assert.equal((await stores.metadata.runs.get(result.runId)).status, 'FINISHED');
    } finally {
      await stores.metadata.close();
    }
    for (const w of [w1, w2]) {
      const exited = new Promise((r) => w.child.once('exit', r));
      w.child.kill('SIGTERM');
      await exited;
    }
  });

  it('a worker killed in the middle of a step: another runs it again, and the step has one run that ended well', async () => {
    const a = await startWorker(queue, env);
    const b = await startWorker(queue, env);
    const dir = mkdtempSync(join(tmpdir(), 'capstan-pipe-'));
    writeFileSync(
      join(dir, 'p.yaml'),
      `apiVersion: capstan.dev/v1
kind: Pipeline
name: killed
steps:
  - name: first
    component: capstan/noop
    inputs: { value: 1 }
    cache: false
  - name: slow
    command: [sh, -c, 'sleep 3; echo "{\\"n\\": 5}" > "$CAPSTAN_VALUES"']
    inputs: { after: '\${{ steps.first.outputs.value }}' }
    outputs: { n: number }
    cache: false
  - name: last
    component: capstan/noop
    inputs: { value: '\${{ steps.slow.outputs.n }}' }
    cache: false
`,
    );
    const running = cliAsync(['pipeline', 'run', join(dir, 'p.yaml'), '--backend', 'redis', '--redis', REDIS, '--queue', queue, '--json'], env.CAPSTAN_HOME, env);
    // the worker that took the slow step dies with it
    let victim: Worker | null = null;
    for (let i = 0; i < 200 && !victim; i++) {
      victim = [a, b].find((w) => /started pipeline-step \S+\.slow/.test(w.log)) ?? null;
      if (!victim) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(victim, 'no worker started the slow step');
    // killed once the step is under way: its run exists and its program runs
    const watch = await openStores(env.CAPSTAN_HOME, env.CAPSTAN_STORE_URI);
    try {
      for (let i = 0; i < 100; i++) {
        const left = await watch.metadata.runs.search({ filter: "tags.capstan.step = 'slow' and attributes.status = 'RUNNING'" });
        if (left.items.length > 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await watch.metadata.close();
    }
    victim.child.kill('SIGKILL');
    const survivor = victim === a ? b : a;
    const r = await running;
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const result = JSON.parse(r.stdout) as PipelineRunResult;
    assert.equal(result.status, 'FINISHED');
    assert.deepEqual(result.steps.find((s) => s.name === 'last')!.outputs, { value: 5 });
    assert.match(survivor.log, /finished pipeline-step \S+\.slow/);
    const stores = await openStores(env.CAPSTAN_HOME, env.CAPSTAN_STORE_URI);
    try {
      const run = await stores.metadata.runs.get(result.runId);
      const slow = await stores.metadata.runs.search({ experimentIds: [run.experimentId], filter: `tags.mlflow.parentRunId = '${run.id}' and tags.capstan.step = 'slow'` });
      assert.deepEqual(slow.items.map((x) => x.status).sort(), ['FAILED', 'FINISHED']);
      assert.match(slow.items.find((x) => x.status === 'FAILED')!.tags['capstan.error'], /its process ended before the step did/);
      assert.deepEqual((await stores.metadata.runs.listSteps(run.id)).map((s) => `${s.name}:${s.status}`), ['first:SUCCEEDED', 'slow:SUCCEEDED', 'last:SUCCEEDED']);
    } finally {
      await stores.metadata.close();
    }
  });

  it('Redis restarted without its data in the middle of a step: the run goes on, and the step is not run twice', async () => {
    // a Redis of this test's own, which it can stop and start again (nothing kept on disk)
    const port = 20_000 + (process.pid % 10_000);
    const url = `redis://127.0.0.1:${port}`;
    const startRedis = async () => {
      const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      children.push(child);
      for (let i = 0; i < 100 && spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 50));
      return child;
    };
    let redis = await startRedis();
    const w = await startWorker(queue, env, url);
    const dir = mkdtempSync(join(tmpdir(), 'capstan-pipe-'));
    writeFileSync(join(dir, 'slow.sh'), `touch started; while [ ! -f go ]; do sleep 0.05; done; echo x >> count; printf '{"n": 5}' > "$CAPSTAN_VALUES"\n`);
    writeFileSync(
      join(dir, 'p.yaml'),
      `apiVersion: capstan.dev/v1
kind: Pipeline
name: restarted
steps:
  - name: slow
    command: [sh, slow.sh]
    outputs: { n: number }
    cache: false
  - name: last
    component: capstan/noop
    inputs: { value: '\${{ steps.slow.outputs.n }}' }
    cache: false
`,
    );
    const running = cliAsync(['pipeline', 'run', join(dir, 'p.yaml'), '--backend', 'redis', '--redis', url, '--queue', queue, '--json'], env.CAPSTAN_HOME, env);
    for (let i = 0; i < 300 && !existsSync(join(dir, 'started')); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(join(dir, 'started')), `the slow step did not start: ${w.log}`);
    const stopped = new Promise((r) => redis.once('exit', r));
    redis.kill('SIGKILL');
    await stopped;
    redis = await startRedis();
    writeFileSync(join(dir, 'go'), '');
    const r = await running;
    assert.equal(r.status, 0, r.stderr + r.stdout + w.log);
    const result = JSON.parse(r.stdout) as PipelineRunResult;
    assert.equal(result.status, 'FINISHED');
    assert.deepEqual(result.steps.find((s) => s.name === 'last')!.outputs, { value: 5 });
    // the job was lost with Redis's data and added again; the step's program ran once, and its one run ended well
    assert.equal(w.log.match(/started pipeline-step \S+\.slow/g)?.length, 2, w.log);
    assert.equal(readFileSync(join(dir, 'count'), 'utf8'), 'x\n');
    const stores = await openStores(env.CAPSTAN_HOME, env.CAPSTAN_STORE_URI);
    try {
      const slow = await stores.metadata.runs.search({ filter: `tags.mlflow.parentRunId = '${result.runId}' and tags.capstan.step = 'slow'` });
      assert.deepEqual(slow.items.map((x) => x.status), ['FINISHED']);
    } finally {
      await stores.metadata.close();
    }
    w.child.kill('SIGTERM');
    redis.kill('SIGKILL');
  });
});
