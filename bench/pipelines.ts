/**
 * Pipelines as a user runs them (`capstan pipeline run`, one process per run, a fresh CAPSTAN_HOME on SQLite):
 *  1. the example training pipeline (examples/pipelines/train.yaml): a first run, then RUNS re-runs that reuse every step ->
 *     whole-process seconds and the engine's own seconds (from --json), medians;
 *  2. per-step overhead: a chain of 100 `capstan/noop` steps, each reading the previous one's output, computed (--no-cache)
 *     and reused -> seconds per step (recording each step's run, status, log and outputs included); the same on the redis
 *     backend with two `capstan worker` processes (Redis at REDIS, default redis://127.0.0.1:6379).
 * Run: node --import tsx bench/pipelines.ts [RUNS=5]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'capstan.js');
const runs = Number(process.argv[2] ?? 5);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

function pipelineRun(home: string, args: string[]): { wall: number; engine: number; cached: number; steps: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, 'pipeline', 'run', ...args, '--json'], { env: { ...process.env, CAPSTAN_HOME: home }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(r.stderr || r.stdout);
  const doc = JSON.parse(r.stdout) as { seconds: number; steps: { cached: boolean }[] };
  return { wall, engine: doc.seconds, cached: doc.steps.filter((s) => s.cached).length, steps: doc.steps.length };
}

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| figure | result | detail |');
console.log('|---|---|---|');

{
  const home = mkdtempSync(join(tmpdir(), 'capstan-bench-pipe-'));
  const file = join(ROOT, 'examples', 'pipelines', 'train.yaml');
  const first = pipelineRun(home, [file]);
  console.log(`| train.yaml, first run (6 steps computed) | ${first.wall.toFixed(2)} s whole process | engine ${first.engine.toFixed(2)} s |`);
  const again = Array.from({ length: runs }, () => pipelineRun(home, [file]));
  if (again.some((r) => r.cached !== r.steps)) throw new Error('a re-run did not reuse every step');
  console.log(`| train.yaml, cached re-run (every step reused), median of ${runs} | ${median(again.map((r) => r.wall)).toFixed(2)} s whole process | engine ${median(again.map((r) => r.engine)).toFixed(3)} s (${again.map((r) => r.engine.toFixed(3)).join(', ')}) |`);
}

{
  const home = mkdtempSync(join(tmpdir(), 'capstan-bench-pipe-'));
  const dir = mkdtempSync(join(tmpdir(), 'capstan-bench-pipe-file-'));
  const steps = Array.from({ length: 100 }, (_, i) =>
    i === 0 ? `  - name: s0\n    component: capstan/noop\n    inputs:\n      value: 0\n` : `  - name: s${i}\n    component: capstan/noop\n    inputs:\n      value: \${{ steps.s${i - 1}.outputs.value }}\n`,
  );
  const file = join(dir, 'chain.yaml');
  writeFileSync(file, `apiVersion: capstan.dev/v1\nkind: Pipeline\nname: chain-100\nsteps:\n${steps.join('')}`);
  const computed = Array.from({ length: 3 }, () => pipelineRun(home, [file, '--no-cache']));
  const reused = Array.from({ length: 3 }, () => pipelineRun(home, [file]));
  const per = (a: { engine: number }[]) => (median(a.map((r) => r.engine)) / 100) * 1000;
  console.log(`| 100 noop steps in a chain, computed (--no-cache), median of 3 | ${per(computed).toFixed(1)} ms per step | engine ${median(computed.map((r) => r.engine)).toFixed(2)} s, whole process ${median(computed.map((r) => r.wall)).toFixed(2)} s |`);
  console.log(`| 100 noop steps in a chain, reused from the cache, median of 3 | ${per(reused).toFixed(1)} ms per step | engine ${median(reused.map((r) => r.engine)).toFixed(2)} s, whole process ${median(reused.map((r) => r.wall)).toFixed(2)} s |`);

  // the redis backend: two workers on this machine, the same home
  const redis = process.env.REDIS ?? 'redis://127.0.0.1:6379';
  const queue = `bench${process.pid}`;
  const workers = await Promise.all(
    [0, 1].map(
      () =>
        new Promise<ReturnType<typeof spawn>>((resolve, reject) => {
          const w = spawn(process.execPath, [BIN, 'worker', '--redis', redis, '--queue', queue], { env: { ...process.env, CAPSTAN_HOME: home } });
          let log = '';
          w.stderr!.on('data', (d: Buffer) => {
            log += d.toString();
            if (log.includes('listening on queue')) resolve(w);
          });
          w.once('exit', (c) => reject(new Error(`worker exited ${c}: ${log}`)));
        }),
    ),
  );
  try {
    const onRedis = Array.from({ length: 3 }, () => pipelineRun(home, [file, '--no-cache', '--backend', 'redis', '--redis', redis, '--queue', queue]));
    console.log(`| 100 noop steps in a chain, computed on 2 redis workers, median of 3 | ${per(onRedis).toFixed(1)} ms per step | engine ${median(onRedis.map((r) => r.engine)).toFixed(2)} s, whole process ${median(onRedis.map((r) => r.wall)).toFixed(2)} s |`);
  } finally {
    for (const w of workers) w.kill('SIGTERM');
  }
}
