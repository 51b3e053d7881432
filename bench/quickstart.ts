/**
 * Issue 2 benchmark: how long `capstan quickstart` takes from launch to a ready model server (fresh CAPSTAN_HOME each run), and
 * the telco churn test ROC AUC, beside scikit-learn/XGBoost defaults trained and scored on the identical 80/20 split
 * (../shared/tools/peer_split_scores.py writes the split; Capstan trains on its train file and scores its test file).
 * Run: node --import tsx bench/quickstart.ts
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { rocAuc } from '../src/learn/metrics/classification.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'capstan.js');
const SHARED = join(ROOT, '..', 'shared');
const OUT = join(ROOT, 'bench', 'out');
const RUNS = Number(process.env.RUNS ?? 5);

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function timeToReady(port: number): Promise<{ readyMs: number; doneMs: number }> {
  const home = mkdtempSync(join(tmpdir(), 'capstan-bench-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, 'quickstart', '--port', String(port)], { env: { ...process.env, CAPSTAN_HOME: home } });
  let stdout = '';
  let doneMs = 0;
  child.stdout.on('data', (d) => {
    stdout += d;
    if (!doneMs && stdout.includes('The server keeps running')) doneMs = performance.now() - t0;
  });
  let readyMs = 0;
  while (!readyMs && performance.now() - t0 < 120_000) {
    await new Promise((r) => setTimeout(r, 25));
    if (!existsSync(join(home, 'admin-token'))) continue;
    const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v2/models/telco-churn/ready`, { headers: { authorization: `Bearer ${token}` } });
      if (res.status === 200) readyMs = performance.now() - t0;
    } catch {
      // not listening yet
    }
  }
  while (!doneMs && performance.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 25));
  child.kill('SIGINT');
  await new Promise((r) => child.on('exit', r));
  return { readyMs, doneMs };
}

function capstanOnPeerSplit(): { auc: number; peers: string } {
  mkdirSync(OUT, { recursive: true });
  const peers = execFileSync('/usr/bin/python3', [join(SHARED, 'tools', 'peer_split_scores.py'), join(SHARED, 'datasets'), OUT, 'telco_churn'], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  const home = mkdtempSync(join(tmpdir(), 'capstan-bench-'));
  const env = { ...process.env, CAPSTAN_HOME: home };
  const train = spawnSync(process.execPath, [BIN, 'train', join(OUT, 'telco_churn.train.csv'), '--target', 'churn', '--cv', '0', '--register', 'telco'], { env, encoding: 'utf8' });
  if (train.status !== 0) throw new Error(train.stderr);
  const scored = join(OUT, 'telco_churn.capstan.csv');
  const pred = spawnSync(process.execPath, [BIN, 'predict', '--model', 'telco', '--input', join(OUT, 'telco_churn.test.csv'), '--output', scored], { env, encoding: 'utf8' });
  if (pred.status !== 0) throw new Error(pred.stderr);
  const p = readFileSync(scored, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[2]));
  const testLines = readFileSync(join(OUT, 'telco_churn.test.csv'), 'utf8').trim().split('\n').slice(1);
  const y = testLines.map((l) => (l.trim().endsWith('Yes') ? 1 : 0));
  return { auc: rocAuc(y, p), peers: readFileSync(join(OUT, 'peers.tsv'), 'utf8') + peers };
}

const ready: number[] = [];
const done: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const r = await timeToReady(17707 + i);
  ready.push(r.readyMs);
  done.push(r.doneMs);
  console.log(`run ${i + 1}: model ready after ${(r.readyMs / 1000).toFixed(2)} s, all stages done after ${(r.doneMs / 1000).toFixed(2)} s`);
}
console.log(`\nmachine: ${cpus().length} x ${cpus()[0].model}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log(`quickstart to ready server: median ${(median(ready) / 1000).toFixed(2)} s (min ${(Math.min(...ready) / 1000).toFixed(2)}, max ${(Math.max(...ready) / 1000).toFixed(2)}) over ${RUNS} runs`);
console.log(`quickstart all stages incl. drift through the server: median ${(median(done) / 1000).toFixed(2)} s`);
const { auc, peers } = capstanOnPeerSplit();
console.log(`\nCapstan GBDT (defaults) on the peers' 80/20 split: test ROC AUC ${auc.toFixed(4)}`);
console.log(`peers on the same split (scikit-learn 1.2.1 / XGBoost 1.7.4 defaults):\n${peers}`);
