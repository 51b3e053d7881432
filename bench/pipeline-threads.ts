/**
 * Independent CPU-bound steps of a local pipeline run at once: examples/pipelines/learners.yaml (a forEach of three learners
 * and a fan-in) on shuttle.csv (58 000 rows), `capstan pipeline run --no-cache` with --concurrency 1 and 2 alternating, ROUNDS
 * times: the train step's seconds and the whole process's.
 * Run: node --import tsx bench/pipeline-threads.ts [ROUNDS=3]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const rounds = Number(process.argv[2] ?? 3);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const data = [join(ROOT, '..', 'shared', 'datasets', 'shuttle.csv'), '/work/shared/datasets/shuttle.csv'].find((f) => {
  try {
    return readFileSync(f, { flag: 'r' }).length > 0;
  } catch {
    return false;
  }
});
if (!data) throw new Error('no shuttle.csv');
const dir = mkdtempSync(join(tmpdir(), 'capstan-bench-threads-'));
const file = join(dir, 'learners.yaml');
writeFileSync(file, readFileSync(join(ROOT, 'examples', 'pipelines', 'learners.yaml'), 'utf8').replace('target: churn', 'target: Class').replace('default: ../telco-churn/telco_churn.csv', `default: ${data}`));
const home = mkdtempSync(join(tmpdir(), 'capstan-bench-threads-home-'));

function once(concurrency: number): { train: number; wall: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'capstan.js'), 'pipeline', 'run', file, '--no-cache', '--concurrency', String(concurrency), '--json'], { env: { ...process.env, CAPSTAN_HOME: home }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(r.stderr || r.stdout);
  const doc = JSON.parse(r.stdout) as { steps: { name: string; seconds: number }[] };
  return { train: doc.steps.find((s) => s.name === 'train')!.seconds, wall: (performance.now() - t0) / 1000 };
}

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${rounds} rounds\n`);
const one: ReturnType<typeof once>[] = [];
const two: ReturnType<typeof once>[] = [];
for (let k = 0; k < rounds; k++) {
  if (k % 2 === 0) {
    one.push(once(1));
    two.push(once(2));
  } else {
    two.push(once(2));
    one.push(once(1));
  }
}
console.log('| --concurrency | train step s (median) | whole process s (median) | runs |');
console.log('|---|---|---|---|');
for (const [c, rs] of [[1, one], [2, two]] as const) console.log(`| ${c} | ${median(rs.map((r) => r.train)).toFixed(2)} | ${median(rs.map((r) => r.wall)).toFixed(2)} | ${rs.map((r) => r.train.toFixed(2)).join(', ')} |`);
console.log(`\ntrain step, 2 vs 1: ${(median(two.map((r) => r.train)) / median(one.map((r) => r.train))).toFixed(3)}`);
