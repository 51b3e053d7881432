/**
 * Issue 7 benchmark, in one run: one-row `POST /invocations` (MLflow `dataframe_records`, one telco churn row), 32
 * connections, 10 s, wrk with one thread, against the node:http floor (../shared/tools/bare_http.js), `capstan serve` of a
 * GBDT trained on telco churn (1 and 2 worker processes, with and without the prediction log) and gunicorn + Flask +
 * scikit-learn (../shared/tools/flask_telco.py, two workers, OMP_NUM_THREADS=1). Each server is measured alone, twice, in
 * turn; the better of its two runs is reported. Then the target's pair, the floor and `capstan serve --workers 2` with the log,
 * run side by side: both up, measured alternately PAIRS times, a ratio per adjacent pair and their median (this machine's
 * speed drifts by a third within minutes, so servers measured a minute apart compare drift as much as servers).
 * Every server gets WARMUP seconds of the same load before it is measured (JIT, connections, heap and page cache: a Capstan
 * server's p99 was 2-5 ms higher in its first ~15 s than after it, on a 2 x AMD EPYC machine).
 * Run: node --import tsx bench/serving.ts [SECONDS=10] [PAIRS=5] [WARMUP=10]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureServingPeers } from './peers.ts';

ensureServingPeers();
const ROOT = join(import.meta.dirname, '..');
const SHARED = join(ROOT, '..', 'shared');
const BIN = join(ROOT, 'bin', 'capstan.js');
const seconds = Number(process.argv[2] ?? 10);
const pairs = Number(process.argv[3] ?? 5);
const warmup = Number(process.argv[4] ?? 10);
const home = mkdtempSync(join(tmpdir(), 'capstan-bench-serving-'));
const env = { ...process.env, CAPSTAN_HOME: home };

const trained = spawnSync(process.execPath, [BIN, 'train', join(ROOT, 'examples', 'telco-churn', 'telco_churn.csv'), '--target', 'churn', '--cv', '0', '--register', 'churn'], { env, encoding: 'utf8' });
if (trained.status !== 0) throw new Error(trained.stderr);
const row = { female: 1, senior_citizen: 0, partner: 1, dependents: 0, tenure: 1, phone_service: 0, multiple_lines: 'No phone service', internet_service: 'DSL', online_security: 'No', online_backup: 'Yes', device_protection: 'No', tech_support: 'No', streaming_tv: 'No', streaming_movies: 'No', contract: 'Month-to-month', paperless_billing: 1, payment_method: 'Electronic check', monthly_charges: 29.85, total_charges: 29.85 };
const body = join(home, 'row.json');
writeFileSync(body, JSON.stringify({ dataframe_records: [row] }));

interface Server {
  name: string;
  port: number;
  start: () => ChildProcess;
}
let port = 7900;
const capstan = (workers: number, log: boolean): Server => {
  const p = port++;
  return { name: `capstan serve --workers ${workers}${log ? '' : ' --no-log'}`, port: p, start: () => spawn(process.execPath, [BIN, 'serve', 'churn', '--port', String(p), '--workers', String(workers), ...(log ? [] : ['--no-log'])], { env, stdio: 'ignore' }) };
};
const servers: Server[] = [
  (() => {
    const p = port++;
    return { name: 'node:http floor (bare_http.js)', port: p, start: () => spawn(process.execPath, [join(SHARED, 'tools', 'bare_http.js'), String(p)], { stdio: 'ignore' }) };
  })(),
  capstan(1, true),
  capstan(2, true),
  capstan(1, false),
  capstan(2, false),
  (() => {
    const p = port++;
    return { name: 'gunicorn -w 2 + Flask + scikit-learn', port: p, start: () => spawn('gunicorn', ['-w', '2', '-b', `127.0.0.1:${p}`, '--chdir', join(SHARED, 'tools'), 'flask_telco:app'], { env: { ...process.env, OMP_NUM_THREADS: '1', DATA: join(SHARED, 'datasets') }, stdio: 'ignore' }) };
  })(),
];

async function waitUp(p: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${p}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dataframe_records: [row] }) });
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server on port ${p} did not come up`);
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}
function wrk(p: number, s: number): Result {
  const r = spawnSync('wrk', ['-t1', '-c32', `-d${s}s`, '--latency', '-s', join(SHARED, 'tools', 'post.lua'), `http://127.0.0.1:${p}/invocations`], { env: { ...process.env, BODY: body }, encoding: 'utf8' });
  const ms = (label: string) => {
    const m = new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`).exec(r.stdout);
    return m ? Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1) : NaN;
  };
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(r.stdout);
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? NaN), p50: ms('50'), p99: ms('99'), errors: non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0) };
}

const results = new Map<string, Result>();
for (const s of servers) {
  const child = s.start();
  try {
    await waitUp(s.port);
    wrk(s.port, warmup);
    const runs = [wrk(s.port, seconds), wrk(s.port, seconds)];
    const best = runs.sort((a, b) => b.rps - a.rps)[0];
    results.set(s.name, { ...best, errors: runs.reduce((a, r) => a + r.errors, 0) });
    console.error(`${s.name}: ${runs.map((r) => r.rps.toFixed(0)).join(' / ')} requests/s`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
  }
}
const floor = results.get(servers[0].name)!.rps;
const flask = results.get(servers[servers.length - 1].name)!.rps;
console.log(`machine: ${cpus().length} x ${cpus()[0].model.trim()}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}; wrk -t1 -c32 -d${seconds}s after ${warmup} s of warm-up, one-row dataframe_records body\n`);
console.log('| server | requests/s | vs node:http floor | vs gunicorn+Flask | p50 ms | p99 ms | errors |');
console.log('|---|---|---|---|---|---|---|');
for (const [name, r] of results) console.log(`| ${name} | ${r.rps.toFixed(0)} | ${((r.rps / floor) * 100).toFixed(0)}% | ${(r.rps / flask).toFixed(1)}x | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.errors} |`);

// the target's pair side by side: both servers up, measured in turn, one ratio per adjacent pair
const floorServer = servers[0];
const target = capstan(2, true);
const up = [floorServer.start(), target.start()];
try {
  await waitUp(floorServer.port);
  await waitUp(target.port);
  wrk(floorServer.port, warmup);
  wrk(target.port, warmup);
  const rows: { floor: Result; ours: Result }[] = [];
  for (let i = 0; i < pairs; i++) rows.push({ floor: wrk(floorServer.port, seconds), ours: wrk(target.port, seconds) });
  const ratios = rows.map((r) => r.ours.rps / r.floor.rps);
  console.log(`\nside by side, ${pairs} alternating pairs of ${seconds} s (${target.name} against the floor, both up throughout):\n`);
  console.log('| pair | floor requests/s | capstan requests/s | ratio | capstan p99 ms | errors |');
  console.log('|---|---|---|---|---|---|');
  rows.forEach((r, i) => console.log(`| ${i + 1} | ${r.floor.rps.toFixed(0)} | ${r.ours.rps.toFixed(0)} | ${(ratios[i] * 100).toFixed(0)}% | ${r.ours.p99.toFixed(2)} | ${r.ours.errors} |`));
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(`median ratio ${(sorted[Math.floor(sorted.length / 2)] * 100).toFixed(0)}%; pairs at >= 60% with p99 < 10 ms and no errors: ${rows.filter((r, i) => ratios[i] >= 0.6 && r.ours.p99 < 10 && r.ours.errors === 0).length} of ${pairs}`);
} finally {
  for (const c of up) c.kill('SIGTERM');
}
