/**
 * Serving as a user meets it (issues 7 and 22), in one run: one-row `POST /invocations` (MLflow `dataframe_records`, one
 * telco churn row), wrk with one thread and 32 connections, against
 *   - the node:http floor (../shared/tools/bare_http.js, one process),
 *   - `capstan serve churn` with its defaults (a worker per core, warmed up before it listens) and with `--workers 1`,
 *   - fastify + onnxruntime-node serving the ONNX file `capstan deploy churn --target onnx` writes (one process),
 *   - FastAPI + uvicorn with two workers (MLflow's current scoring stack) and gunicorn -w 2 + Flask (its former one).
 * First each server is started alone and measured from the moment it answers (SECONDS of load, nothing before): what the first
 * clients of a fresh process get. Then all are up together and measured in ROUNDS rounds, each server once per round in a
 * rotating order; every figure is the median of its rounds and every ratio the median of per-round ratios (this machine's
 * speed drifts by a third within minutes, so only servers measured in the same minutes compare).
 * Run: node --import tsx bench/serving.ts [SECONDS=5] [ROUNDS=5]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureServingPeers } from './peers.ts';

ensureServingPeers();
const ROOT = join(import.meta.dirname, '..');
const SHARED = join(ROOT, '..', 'shared');
const BIN = join(ROOT, 'bin', 'capstan.js');
const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 5);
const home = mkdtempSync(join(tmpdir(), 'capstan-bench-serving-'));
const env = { ...process.env, CAPSTAN_HOME: home };

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): void {
  const r = spawnSync(cmd, args, { env: opts.env ?? env, cwd: opts.cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}
run(process.execPath, [BIN, 'train', join(ROOT, 'examples', 'telco-churn', 'telco_churn.csv'), '--target', 'churn', '--cv', '0', '--register', 'churn']);
run(process.execPath, [BIN, 'deploy', 'churn', '--target', 'onnx', '--out', join(home, 'onnx')]);
// the fastify peer's packages, in a folder of their own (onnxruntime-node's install script downloads CUDA parts: skipped)
const PEER_MODULES = join(tmpdir(), 'capstan-bench-fastify');
if (!existsSync(join(PEER_MODULES, 'node_modules', 'fastify'))) {
  mkdirSync(PEER_MODULES, { recursive: true });
  writeFileSync(join(PEER_MODULES, 'package.json'), '{"private":true}');
  run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', 'fastify@5', 'onnxruntime-node'], { cwd: PEER_MODULES, env: process.env });
}
const onnxFile = join(home, 'onnx', spawnSync('ls', [join(home, 'onnx')], { encoding: 'utf8' }).stdout.split('\n').find((f) => f.endsWith('.onnx'))!);
const row = { female: 1, senior_citizen: 0, partner: 1, dependents: 0, tenure: 1, phone_service: 0, multiple_lines: 'No phone service', internet_service: 'DSL', online_security: 'No', online_backup: 'Yes', device_protection: 'No', tech_support: 'No', streaming_tv: 'No', streaming_movies: 'No', contract: 'Month-to-month', paperless_billing: 1, payment_method: 'Electronic check', monthly_charges: 29.85, total_charges: 29.85 };
const body = join(home, 'row.json');
writeFileSync(body, JSON.stringify({ dataframe_records: [row] }));

interface Server {
  name: string;
  port: number;
  /** processes answering */
  processes: number;
  start: () => ChildProcess;
}
let nextPort = 7900;
const server = (name: string, processes: number, start: (port: number) => ChildProcess): Server => {
  const port = nextPort++;
  return { name, port, processes, start: () => start(port) };
};
const python = { ...process.env, OMP_NUM_THREADS: '1', DATA: join(SHARED, 'datasets') };
const FLOOR = server('node:http floor (bare_http.js)', 1, (p) => spawn(process.execPath, [join(SHARED, 'tools', 'bare_http.js'), String(p)], { stdio: 'ignore' }));
const DEFAULTS = server('capstan serve (defaults)', availableParallelism(), (p) => spawn(process.execPath, [BIN, 'serve', 'churn', '--port', String(p)], { env, stdio: 'ignore' }));
const ONE = server('capstan serve --workers 1', 1, (p) => spawn(process.execPath, [BIN, 'serve', 'churn', '--port', String(p), '--workers', '1'], { env, stdio: 'ignore' }));
const FASTIFY = server('fastify + onnxruntime-node (ONNX export)', 1, (p) => spawn(process.execPath, [join(SHARED, 'tools', 'fastify_onnx.mjs'), onnxFile, String(p)], { env: { ...process.env, NODE_PATH: join(PEER_MODULES, 'node_modules') }, stdio: 'ignore' }));
const FASTAPI = server('FastAPI + uvicorn --workers 2', 2, (p) => spawn('uvicorn', ['--app-dir', join(SHARED, 'tools'), '--workers', '2', '--port', String(p), '--log-level', 'warning', 'fastapi_telco:app'], { env: python, stdio: 'ignore' }));
const FLASK = server('gunicorn -w 2 + Flask', 2, (p) => spawn('gunicorn', ['-w', '2', '-b', `127.0.0.1:${p}`, '--chdir', join(SHARED, 'tools'), 'flask_telco:app'], { env: python, stdio: 'ignore' }));
const servers = [FLOOR, DEFAULTS, ONE, FASTIFY, FASTAPI, FLASK];

/** Milliseconds until the server answers the body with a 200. */
async function waitUp(p: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < 1200; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${p}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dataframe_records: [row] }) });
      await r.arrayBuffer();
      if (r.status === 200) return performance.now() - t0;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
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
    const m = new RegExp(`\\n\\s+${label}%\\s+([\\d.]+)(us|ms|s)`).exec(r.stdout);
    return m ? Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1) : NaN;
  };
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(r.stdout);
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? NaN), p50: ms('50'), p99: ms('99'), errors: non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0) };
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const stop = async (c: ChildProcess) => {
  c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1500));
};

console.log(`machine: ${cpus().length} x ${cpus()[0].model.trim()}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}; wrk -t1 -c32 -d${seconds}s, one-row dataframe_records body\n`);

// 1. each server alone, from the moment it answers
console.log('fresh: each server alone, started, then measured from its first 200 answer (no warm-up by the bench)\n');
console.log('| server | start to first answer ms | requests/s | p50 ms | p99 ms | errors |');
console.log('|---|---|---|---|---|---|');
for (const s of [FLOOR, DEFAULTS, ONE, FASTIFY]) {
  const child = s.start();
  try {
    const up = await waitUp(s.port);
    const r = wrk(s.port, seconds);
    console.log(`| ${s.name} | ${up.toFixed(0)} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.errors} |`);
  } finally {
    await stop(child);
  }
}

// 2. all up together, measured in rotating rounds
const children = servers.map((s) => s.start());
try {
  for (const s of servers) await waitUp(s.port);
  const results = new Map<Server, Result[]>(servers.map((s) => [s, []]));
  for (let r = 0; r < rounds; r++) {
    const order = servers.map((_, i) => servers[(i + r) % servers.length]);
    for (const s of order) results.get(s)!.push(wrk(s.port, seconds));
    console.error(`round ${r + 1}: ${servers.map((s) => `${s.name.split(' (')[0]} ${results.get(s)!.at(-1)!.rps.toFixed(0)}`).join(', ')}`);
  }
  const ratio = (a: Server, b: Server) => median(results.get(a)!.map((x, i) => x.rps / results.get(b)![i].rps));
  console.log(`\nall up together, ${rounds} rounds in a rotating order; medians of the rounds\n`);
  console.log('| server | processes | requests/s | per process | vs floor | p50 ms | p99 ms (worst round) | errors |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const s of servers) {
    const rs = results.get(s)!;
    const rps = median(rs.map((x) => x.rps));
    console.log(`| ${s.name} | ${s.processes} | ${rps.toFixed(0)} | ${(rps / s.processes).toFixed(0)} | ${(ratio(s, FLOOR) * 100).toFixed(0)}% | ${median(rs.map((x) => x.p50)).toFixed(2)} | ${median(rs.map((x) => x.p99)).toFixed(2)} (${Math.max(...rs.map((x) => x.p99)).toFixed(2)}) | ${rs.reduce((a, x) => a + x.errors, 0)} |`);
  }
  console.log('\ntargets (issue 22), medians of per-round ratios:\n');
  console.log(`- capstan serve with its defaults vs the floor: ${(ratio(DEFAULTS, FLOOR) * 100).toFixed(0)}% (>= 60%), p99 ${median(results.get(DEFAULTS)!.map((x) => x.p99)).toFixed(2)} ms (< 10)`);
  console.log(`- --workers 1 vs the one-process floor: ${(ratio(ONE, FLOOR) * 100).toFixed(0)}% (>= 50%, aim 60%), p99 ${median(results.get(ONE)!.map((x) => x.p99)).toFixed(2)} ms (< 10)`);
  console.log(`- --workers 1 vs fastify + onnxruntime-node, one process each: ${ratio(ONE, FASTIFY).toFixed(2)}x (>= 2.5x)`);
  console.log(`- per process, --workers 1 vs FastAPI + uvicorn's two: ${(ratio(ONE, FASTAPI) * 2).toFixed(1)}x; defaults (${DEFAULTS.processes} processes) vs FastAPI's two: ${ratio(DEFAULTS, FASTAPI).toFixed(1)}x (>= 20x)`);
  console.log(`- defaults vs gunicorn -w 2 + Flask: ${ratio(DEFAULTS, FLASK).toFixed(1)}x (>= 10x, issue 7)`);
} finally {
  for (const c of children) c.kill('SIGTERM');
}
