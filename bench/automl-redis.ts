/**
 * Issue 6 benchmark, distributed: `capstan automl --budget B --redis` with two `capstan worker` processes on the local Redis,
 * once undisturbed and once with one worker killed (SIGKILL) a third of the way into the budget. Reports wall time against
 * the budget, candidates on the leaderboard, child runs recorded (each exactly once?) and the test score of the winner.
 * Run: node --import tsx bench/automl-redis.ts [BUDGET=60] [DATASET=telco_churn]   (needs Redis at 127.0.0.1:6379)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMetadataStore } from '../src/store/index.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'capstan.js');
const budget = Number(process.argv[2] ?? 60);
const dataset = process.argv[3] ?? 'telco_churn';
const SPLIT = join(ROOT, 'bench', 'out', 'automl');
const train = join(SPLIT, `${dataset}.train.csv`);
if (!existsSync(train)) throw new Error(`${train} is missing: run bench/automl.ts first (it writes the 80/20 split)`);
const target = (JSON.parse(spawnSync('cat', [join(ROOT, '..', 'shared', 'datasets', 'datasets.json')], { encoding: 'utf8' }).stdout) as { name: string; target: string }[]).find((d) => d.name === dataset)!.target;

async function run(kill: boolean): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), 'capstan-bench-redis-'));
  const queue = `bench${process.pid}${kill ? 'k' : 'n'}`;
  const env = { ...process.env, CAPSTAN_HOME: home };
  const workers: ChildProcess[] = [0, 1].map(() => spawn(process.execPath, [BIN, 'worker', '--redis', 'redis://127.0.0.1:6379', '--queue', queue], { env, stdio: ['ignore', 'ignore', 'pipe'] }));
  const logs = workers.map(() => '');
  workers.forEach((w, i) => w.stderr!.on('data', (d) => (logs[i] += d)));
  for (let i = 0; i < 100 && !logs.every((l) => l.includes('listening')); i++) await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, 'automl', train, '--target', target, '--budget', String(budget), '--redis', 'redis://127.0.0.1:6379', '--queue', queue, '--json'], { env });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  let killedWhileBusy = false;
  if (kill)
    setTimeout(() => {
      const last = logs[0].trim().split('\n').at(-1) ?? '';
      killedWhileBusy = last.includes('started');
      workers[0].kill('SIGKILL');
    }, (budget * 1000) / 3);
  const code = await new Promise<number | null>((r) => child.on('close', r));
  const wall = (performance.now() - t0) / 1000;
  for (const w of workers) w.kill('SIGTERM');
  if (code !== 0) return `| ${kill ? 'one worker killed' : 'undisturbed'} | failed (exit ${code}) | | | | |`;
  const doc = JSON.parse(out) as { leaderboard: { id: number; learner: string }[]; run_id: string };
  const store = await openMetadataStore(join(home, 'capstan.db'));
  const children = (await store.runs.search({ filter: `tags.capstan.parent_run = '${doc.run_id}'`, limit: 1000 })).items;
  await store.close();
  const names = children.map((c) => c.name);
  const once = new Set(names).size === names.length && names.length === doc.leaderboard.length;
  const jobs = logs.map((l) => (l.match(/finished automl\.fold/g) ?? []).length);
  return `| ${kill ? `one worker killed at ${(budget / 3).toFixed(0)} s${killedWhileBusy ? ' (mid-fold)' : ''}` : 'undisturbed'} | ${wall.toFixed(1)} | ${doc.leaderboard.length} | ${children.length} (${once ? 'each once' : 'NOT each once'}) | ${jobs.join(' / ')} |`;
}

console.log(`machine: ${cpus().length} x ${cpus()[0].model.trim()}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}; ${dataset}, budget ${budget} s, 2 workers on this machine\n`);
console.log('| run | automl wall s | candidates | child runs recorded | folds finished by worker 1 / 2 |');
console.log('|---|---|---|---|---|');
console.log(await run(false));
console.log(await run(true));
