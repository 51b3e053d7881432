/**
 * Issue 6 benchmark: for every dataset in ../shared/datasets, the 80/20 split of ../shared/tools/peer_split_scores.py
 * (stratified, seed 0), `capstan automl --budget B` on the 80% part as a whole process, its registered winner scored on the
 * 20% part through `capstan predict`, beside the best scikit-learn/XGBoost default measured by the same script in the same run.
 * Run: node --import tsx bench/automl.ts [BUDGET=60] [NAME...]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTable } from '../src/data/index.ts';
import { columnByName } from '../src/core/table.ts';
import { accuracy, r2, rocAuc } from '../src/learn/metrics/index.ts';
import { ensurePythonPeers } from './peers.ts';

ensurePythonPeers();

const ROOT = join(import.meta.dirname, '..');
const SHARED = join(ROOT, '..', 'shared');
const OUT = join(ROOT, 'bench', 'out', 'automl');
mkdirSync(OUT, { recursive: true });
const budget = Number(process.argv[2] ?? 60);
const only = process.argv.slice(3);
const datasets = (JSON.parse(readFileSync(join(SHARED, 'datasets', 'datasets.json'), 'utf8')) as { name: string; target: string; task: string }[]).filter((d) => only.length === 0 || only.includes(d.name));

// peers: the split files and the best default per dataset
const peerOut = execFileSync('/usr/bin/python3', [join(SHARED, 'tools', 'peer_split_scores.py'), join(SHARED, 'datasets'), OUT, ...datasets.map((d) => d.name)], { encoding: 'utf8', maxBuffer: 1 << 26 });
const peers = new Map(peerOut.trim().split('\n').map((l) => l.split('\t')).map((f) => [f[0], { model: f[4], score: Number(f[5]) }]));

async function testScore(d: { target: string; task: string }, testFile: string, scoredFile: string): Promise<number> {
  const test = await readTable(testFile);
  const scored = await readTable(scoredFile);
  const target = columnByName(test, d.target)!;
  if (d.task === 'regression') {
    const y = target.kind === 'numeric' ? target.values : new Float64Array();
    const p = columnByName(scored, 'prediction')!;
    return r2(y, p.kind === 'numeric' ? p.values : new Float64Array());
  }
  const labels = target.kind === 'categorical' ? Array.from(target.codes, (c) => target.categories[c]) : Array.from(target.values, String);
  const classes = [...new Set(labels)].sort((a, b) => (target.kind === 'numeric' ? Number(a) - Number(b) : a < b ? -1 : 1));
  const y = Float64Array.from(labels, (l) => classes.indexOf(l));
  if (d.task === 'binary') {
    const p = columnByName(scored, `proba_${classes[1]}`)!;
    return rocAuc(y, p.kind === 'numeric' ? p.values : new Float64Array());
  }
  const pred = columnByName(scored, 'prediction')!;
  const predicted = pred.kind === 'categorical' ? Array.from(pred.codes, (c) => pred.categories[c]) : Array.from(pred.values, String);
  return accuracy(y, Int32Array.from(predicted, (l) => classes.indexOf(l)));
}

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}; budget ${budget} s\n`);
console.log('| dataset | metric | best peer (test) | capstan automl (test) | difference | automl wall s | candidates | winner |');
console.log('|---|---|---|---|---|---|---|---|');
const diffs: number[] = [];
for (const d of datasets) {
  const home = mkdtempSync(join(tmpdir(), 'capstan-automl-'));
  const train = join(OUT, `${d.name}.train.csv`);
  const test = join(OUT, `${d.name}.test.csv`);
  if (!existsSync(train)) throw new Error(`missing ${train}`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'capstan.js'), 'automl', train, '--target', d.target, '--budget', String(budget), '--register', 'winner', '--json'], { env: { ...process.env, CAPSTAN_HOME: home }, encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) {
    console.log(`| ${d.name} | - | - | failed: ${r.stderr.trim().slice(0, 120)} | | ${wall.toFixed(1)} | | |`);
    continue;
  }
  const doc = JSON.parse(r.stdout) as { metric: string; leaderboard: unknown[]; cv: { mean: number }; winner: string; ensemble: { members: { id: number; weight: number }[]; kept: boolean } | null; model: { name: string } };
  const board = doc.leaderboard as { id: number; learner: string }[];
  const winner = doc.ensemble?.kept ? `ensemble of ${doc.ensemble.members.map((m) => board.find((c) => c.id === m.id)?.learner).join('+')}` : doc.winner;
  const scored = join(home, 'scored.csv');
  const p = spawnSync(process.execPath, [join(ROOT, 'bin', 'capstan.js'), 'predict', '--model', 'winner', '--input', test, '--output', scored], { env: { ...process.env, CAPSTAN_HOME: home }, encoding: 'utf8' });
  if (p.status !== 0) throw new Error(p.stderr);
  const ours = await testScore(d, test, scored);
  const peer = peers.get(d.name)!;
  diffs.push(ours - peer.score);
  console.log(`| ${d.name} | ${doc.metric} | ${peer.score.toFixed(4)} (${peer.model}) | ${ours.toFixed(4)} | ${(ours - peer.score >= 0 ? '+' : '') + (ours - peer.score).toFixed(4)} | ${wall.toFixed(1)} | ${doc.leaderboard.length} | ${winner} |`);
}
console.log(`\nmean difference ${(diffs.reduce((a, b) => a + b, 0) / diffs.length).toFixed(4)}; datasets within 0.005 of the best peer: ${diffs.filter((x) => x >= -0.005).length}/${diffs.length}`);
