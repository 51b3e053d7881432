/**
 * Drift of 1 million vs 1 million rows x 20 features (10 numeric, 10 categorical with 4 to 60 levels), side by side with
 * pandas + scipy (bench/drift_peers.py) in one run, alternating, ROUNDS times:
 *  - whole processes: `capstan data drift REF CUR --json` (its default tests at this size: Wasserstein over the reference's
 *    spread, Jensen-Shannon) and with `--numeric-test ks --categorical-test chi_squared`, against a Python process reading both
 *    CSVs with pandas and running the same scipy tests;
 *  - the tests alone: Capstan's tableDrift in this process against the Python script's own timing of its tests;
 *  - every statistic checked against scipy's (largest relative difference).
 * Run: node --import tsx bench/monitor-drift.ts [ROUNDS=3] [ROWS=1000000]
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTable } from '../src/data/index.ts';
import { tableDrift, type DriftOptions } from '../src/stats/index.ts';
import { Rng } from '../src/core/random.ts';

const ROOT = join(import.meta.dirname, '..');
const rounds = Number(process.argv[2] ?? 3);
const rows = Number(process.argv[3] ?? 1_000_000);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const dir = join(tmpdir(), `capstan-bench-drift-${rows}`);
mkdirSync(dir, { recursive: true });

/** Numeric features: normal, log-normal, uniform, integers; the current file shifts some of them a little. Categorical: skewed. */
async function write(path: string, seed: number, shift: number): Promise<void> {
  if (existsSync(path)) return;
  const rng = new Rng(seed);
  const out = createWriteStream(path);
  const header = [...Array.from({ length: 10 }, (_, i) => `n${i}`), ...Array.from({ length: 10 }, (_, i) => `c${i}`)];
  let buf = header.join(',') + '\n';
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let i = 0; i < 10; i++) {
      const s = i % 3 === 0 ? shift : 0;
      const v = i % 4 === 0 ? normal() + s : i % 4 === 1 ? Math.exp(normal() * 0.5 + s) : i % 4 === 2 ? rng.next() * 10 + s : Math.floor(rng.next() * 50 + s * 10);
      cells.push(i % 4 === 3 ? String(v) : v.toFixed(6));
    }
    for (let i = 0; i < 10; i++) {
      const levels = 4 + i * 6;
      const u = rng.next();
      const k = Math.min(levels - 1, Math.floor(levels * u ** (1.5 + (i % 2 === 0 ? shift : 0))));
      cells.push(`v${k}`);
    }
    buf += cells.join(',') + '\n';
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.end(buf);
  await new Promise<void>((r) => out.on('finish', () => r()));
}

// the CLI runs from dist/ only when it is fresh: build it, so no run goes through tsx
if (spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'ignore' }).status !== 0) throw new Error('build failed');
const ref = join(dir, 'ref.csv');
const cur = join(dir, 'cur.csv');
await write(ref, 1, 0);
await write(cur, 2, 0.05);

interface Peer {
  read_seconds: number;
  test_seconds: number;
  columns: Record<string, { test: string; statistic: number; p_value?: number }>;
}
const modes: { name: string; flags: string[]; py: [string, string]; opts: DriftOptions }[] = [
  { name: 'defaults (wasserstein, jensen_shannon)', flags: [], py: ['wasserstein', 'jensen_shannon'], opts: {} },
  { name: 'ks, chi_squared', flags: ['--numeric-test', 'ks', '--categorical-test', 'chi_squared'], py: ['ks', 'chi_squared'], opts: { numericTest: 'ks', categoricalTest: 'chi_squared' } },
];

function timed<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const r = fn();
  return [r, (performance.now() - t0) / 1000];
}

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${rows} vs ${rows} rows x 20, ${rounds} rounds\n`);
const refTable = await readTable(ref);
const curTable = await readTable(cur);
for (const m of modes) {
  const cli: number[] = [];
  const py: number[] = [];
  const pyTests: number[] = [];
  const inProcess: number[] = [];
  let worst = 0;
  for (let k = 0; k < rounds; k++) {
    const run = () => {
      const [r, s] = timed(() => spawnSync(process.execPath, [join(ROOT, 'bin', 'capstan.js'), 'data', 'drift', ref, cur, '--json', ...m.flags], { encoding: 'utf8', maxBuffer: 64 << 20 }));
      if (r.status !== 0) throw new Error(r.stderr);
      cli.push(s);
      return JSON.parse(r.stdout) as { features: { name: string; test: string; statistic: number }[] };
    };
    const peer = () => {
      const [r, s] = timed(() => spawnSync('/usr/bin/python3', [join(ROOT, 'bench', 'drift_peers.py'), ref, cur, ...m.py], { encoding: 'utf8', maxBuffer: 64 << 20 }));
      if (r.status !== 0) throw new Error(r.stderr);
      py.push(s);
      const doc = JSON.parse(r.stdout) as Peer;
      pyTests.push(doc.test_seconds);
      return doc;
    };
    let ours: ReturnType<typeof run>;
    let theirs: Peer;
    if (k % 2 === 0) {
      ours = run();
      theirs = peer();
    } else {
      theirs = peer();
      ours = run();
    }
    for (const f of ours.features) {
      const s = theirs.columns[f.name];
      if (s.test !== f.test) throw new Error(`${f.name}: ${f.test} vs scipy's ${s.test}`);
      worst = Math.max(worst, Math.abs(f.statistic - s.statistic) / Math.max(Math.abs(s.statistic), 1e-300));
    }
    inProcess.push(timed(() => tableDrift(refTable, curTable, m.opts))[1]);
  }
  const ratio = median(cli) / median(py);
  console.log(`${m.name}:`);
  console.log(`  whole process: capstan data drift ${median(cli).toFixed(2)} s, pandas + scipy ${median(py).toFixed(2)} s (ratio ${ratio.toFixed(3)})`);
  console.log(`  the tests alone: capstan ${median(inProcess).toFixed(3)} s (in-process), scipy ${median(pyTests).toFixed(3)} s (ratio ${(median(inProcess) / median(pyTests)).toFixed(3)})`);
  console.log(`  largest relative difference from scipy's statistics: ${worst.toExponential(2)}\n`);
}
