/**
 * Issue 3 speed benchmark, all in one run: GBDT (100 trees, depth 6, lr 0.1) against XGBoost hist, and the random forest
 * (100 trees) against scikit-learn's, on make_classification(200 000 x 20, 10 informative, random_state=0) written by
 * bench/make_synthetic.py: fit on 160 000 rows, predict 100 000, accuracy on the last 40 000, peak RSS per process, with 1 and
 * 2 threads. Each side runs in its own process, one after the other (never concurrently) so they do not share the 2 cores.
 * Run: node --import tsx bench/speed.ts        (SKIP_RF=1 skips the ~90 s scikit-learn forest)
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ensurePythonPeers, synthetic } from './peers.ts';

ensurePythonPeers();

const ROOT = join(import.meta.dirname, '..');
const DATA = synthetic();

interface Result {
  fit: number;
  predict: number;
  accuracy: number;
  rssMb: number;
}

function timed(cmd: string[], env: NodeJS.ProcessEnv = {}): Result {
  const r = spawnTimed(cmd, env);
  const json = JSON.parse(r.stdout.trim().split('\n').pop()!) as Omit<Result, 'rssMb'>;
  const rss = Number(/RSS (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
  return { ...json, rssMb: rss };
}

function spawnTimed(cmd: string[], env: NodeJS.ProcessEnv): { stdout: string; stderr: string } {
  const r = spawnSync('/usr/bin/time', ['-f', 'RSS %M', ...cmd], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed: ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

const node = (learner: string, threads: number) => timed([process.execPath, '--import', 'tsx', join(ROOT, 'bench', 'speed-capstan.ts'), DATA, learner, String(threads)]);
const py = (model: string, threads: number) => timed(['/usr/bin/python3', join(ROOT, 'bench', 'speed_peers.py'), DATA, model, String(threads)], { OMP_NUM_THREADS: String(threads) });

const rows: [string, Result][] = [];
for (const threads of [1, 2]) {
  rows.push([`capstan gbdt, ${threads} thread(s)`, node('gbdt', threads)]);
  rows.push([`xgboost hist, ${threads} thread(s)`, py('xgboost', threads)]);
}
for (const threads of [1, 2]) rows.push([`capstan forest, ${threads} thread(s)`, node('forest', threads)]);
if (!process.env.SKIP_RF) rows.push(['scikit-learn forest, 1 thread', py('sklearn_rf', 1)]);
console.log(`machine: ${cpus().length} x ${cpus()[0].model}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| run | fit s | predict 100k s | test accuracy | peak RSS MB |');
console.log('|---|---|---|---|---|');
for (const [name, r] of rows) console.log(`| ${name} | ${r.fit.toFixed(2)} | ${r.predict.toFixed(3)} | ${r.accuracy.toFixed(4)} | ${r.rssMb.toFixed(0)} |`);
