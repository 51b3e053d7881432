/**
 * Issue 4 benchmark: profiling a 1 000 000 x 20 CSV as a whole `capstan data profile --json` process versus pandas read_csv +
 * describe(include="all") as a whole process, same file, alternating runs (median of 5 each), peak RSS of each; then parity of
 * means, standard deviations (n-1) and interpolated quantiles with pandas on every dataset of ../shared/datasets.
 * Run: node --import tsx bench/data.ts
 * How it grows (issue 22): ROWS=10000000 RUNS=1 node --import tsx bench/data.ts profiles a file of that many rows made the
 * same way (about 2 GB at 10M), and skips the parity check.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { profileFile } from '../src/data/index.ts';
import { ensurePythonPeers } from './peers.ts';

ensurePythonPeers();

const ROOT = join(import.meta.dirname, '..');
const SHARED = join(ROOT, '..', 'shared');
const OUT = join(ROOT, 'bench', 'out');
const ROWS = Number(process.env.ROWS ?? 1_000_000);
const LABEL = ROWS % 1_000_000 === 0 ? `${ROWS / 1_000_000}M` : String(ROWS);
const DATA = join(OUT, ROWS === 1_000_000 ? 'profile1m.csv' : `profile${LABEL}.csv`);
mkdirSync(OUT, { recursive: true });
if (!existsSync(DATA)) execFileSync('/usr/bin/python3', [join(ROOT, 'bench', 'make_profile_data.py'), DATA, String(ROWS)], { stdio: 'inherit' });

function timed(cmd: string[]): { seconds: number; rssMb: number } {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'RSS %M', ...cmd], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`${cmd.join(' ')}: ${r.stderr}`);
  return { seconds, rssMb: Number(/RSS (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024 };
}

const RUNS = Number(process.env.RUNS ?? 5);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const ours: { seconds: number; rssMb: number }[] = [];
const peer: { seconds: number; rssMb: number }[] = [];
for (let i = 0; i < RUNS; i++) {
  ours.push(timed([process.execPath, join(ROOT, 'bin', 'capstan.js'), 'data', 'profile', DATA, '--json']));
  peer.push(timed(['/usr/bin/python3', join(ROOT, 'bench', 'pandas_profile.py'), DATA]));
}
console.log(`machine: ${cpus().length} x ${cpus()[0].model}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
console.log(`| ${LABEL} x 20 CSV, whole process | median s (${RUNS} runs) | runs | peak RSS MB |`);
console.log('|---|---|---|---|');
console.log(`| capstan data profile --json | ${median(ours.map((r) => r.seconds)).toFixed(2)} | ${ours.map((r) => r.seconds.toFixed(2)).join(', ')} | ${median(ours.map((r) => r.rssMb)).toFixed(0)} |`);
console.log(`| pandas read_csv + describe(include="all") | ${median(peer.map((r) => r.seconds)).toFixed(2)} | ${peer.map((r) => r.seconds.toFixed(2)).join(', ')} | ${median(peer.map((r) => r.rssMb)).toFixed(0)} |`);
console.log(`ratio capstan / pandas: ${(median(ours.map((r) => r.seconds)) / median(peer.map((r) => r.seconds))).toFixed(3)}\n`);

if (ROWS !== 1_000_000) process.exit(0);
const datasets = JSON.parse(readFileSync(join(SHARED, 'datasets', 'datasets.json'), 'utf8')) as { file: string }[];
let worstMean = 0;
let worstStd = 0;
let worstQ = 0;
let checked = 0;
for (const d of [...datasets.map((x) => join(SHARED, 'datasets', x.file)), DATA]) {
  const p = await profileFile(d);
  const expected = JSON.parse(execFileSync('/usr/bin/python3', [join(ROOT, 'bench', 'pandas_profile.py'), d, '--stats'], { encoding: 'utf8', maxBuffer: 1 << 26 })) as Record<string, { mean: number; std: number; quantiles: number[] }>;
  for (const c of p.columns) {
    const e = expected[c.name];
    if (!e || c.mean === null) continue;
    const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(b), 1e-300));
    worstMean = Math.max(worstMean, rel(c.mean, e.mean));
    worstStd = Math.max(worstStd, rel(c.std!, e.std));
    Object.values(c.quantiles!).forEach((q, i) => (worstQ = Math.max(worstQ, rel(q, e.quantiles[i]))));
    checked++;
  }
}
console.log(`parity with pandas over ${checked} numeric columns (9 datasets + the 1M file): worst relative difference mean ${worstMean.toExponential(2)}, std ${worstStd.toExponential(2)}, quantiles ${worstQ.toExponential(2)} (target 1e-9)`);
