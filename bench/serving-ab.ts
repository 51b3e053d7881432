/**
 * Serving, before and after a change, side by side: two checkouts of Capstan (A and B, each with its node_modules), each
 * trains the telco GBDT into a home of its own and runs `capstan serve churn --workers 2` (the prediction log on); both stay
 * up, get WARMUP seconds of load, then one-row `POST /invocations` is measured on each in turn, PAIRS times, SECONDS each
 * (wrk, one thread, 32 connections). Reports requests/s and p99 per run, B/A per adjacent pair and their median: this
 * machine's speed drifts within minutes, so only interleaved runs compare two builds. Two rounds, the second with the
 * servers started in the other order; the figure is the geometric mean of the two medians (see round()). Beside throughput,
 * the servers' CPU time per answered request (their process trees, from /proc): the cost of the work itself, which wrk's
 * share of the two cores and other tenants disturb less.
 * Run: node --import tsx bench/serving-ab.ts DIR_A DIR_B [SECONDS=5] [PAIRS=8] [WARMUP=10]
 * One checkout with two settings: the same DIR twice, with AB_FLAGS_A / AB_FLAGS_B (extra `capstan serve` flags, e.g.
 * `--no-monitor`) and AB_HUMILITY_A / AB_HUMILITY_B (a humility rules file set on that side's model version first).
 * AB_WORKERS=N serves with N workers (default 2); AB_PIN=1 pins the servers to the first core and wrk to the second;
 * AB_ROUNDS=N runs N rounds (default 2), the start order alternating; AB_NODE_OPTIONS_A / _B set NODE_OPTIONS for a side.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const [dirA, dirB] = process.argv.slice(2, 4);
if (!dirA || !dirB) throw new Error('usage: node --import tsx bench/serving-ab.ts DIR_A DIR_B [SECONDS] [PAIRS] [WARMUP]');
const seconds = Number(process.argv[4] ?? 5);
const pairs = Number(process.argv[5] ?? 8);
const warmup = Number(process.argv[6] ?? 10);
const workers = Number(process.env.AB_WORKERS ?? 2);
// AB_PIN=1: the servers on the first core, wrk on the second (with AB_WORKERS=1: a worker alone on its core, so the two
// sides are not also competing with wrk and each other's scheduling)
const pinned = process.env.AB_PIN === '1';
const row = { female: 1, senior_citizen: 0, partner: 1, dependents: 0, tenure: 1, phone_service: 0, multiple_lines: 'No phone service', internet_service: 'DSL', online_security: 'No', online_backup: 'Yes', device_protection: 'No', tech_support: 'No', streaming_tv: 'No', streaming_movies: 'No', contract: 'Month-to-month', paperless_billing: 1, payment_method: 'Electronic check', monthly_charges: 29.85, total_charges: 29.85 };
const lua = join(mkdtempSync(join(tmpdir(), 'capstan-ab-')), 'post.lua');
writeFileSync(lua, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(JSON.stringify({ dataframe_records: [row] }))}\nwrk.headers["Content-Type"] = "application/json"\n`);

/** Build, train and set the rules for one side; returns how to start its server. */
function prepare(dir: string, port: number, side: 'A' | 'B'): () => ChildProcess {
  // a stale build would make the CLI run its sources through tsx: build what the user would run
  const build = spawnSync(process.execPath, [join(dir, 'scripts', 'build.mjs'), '--if-stale'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`${dir}: build failed: ${build.stderr}`);
  const home = mkdtempSync(join(tmpdir(), 'capstan-ab-home-'));
  const env = { ...process.env, CAPSTAN_HOME: home };
  const bin = join(dir, 'bin', 'capstan.js');
  const t = spawnSync(process.execPath, [bin, 'train', join(dir, 'examples', 'telco-churn', 'telco_churn.csv'), '--target', 'churn', '--cv', '0', '--register', 'churn'], { env, encoding: 'utf8' });
  if (t.status !== 0) throw new Error(`${dir}: ${t.stderr}`);
  const rules = process.env[`AB_HUMILITY_${side}`];
  if (rules) {
    const h = spawnSync(process.execPath, [bin, 'models', 'humility', 'churn:1', '--file', rules], { env, encoding: 'utf8' });
    if (h.status !== 0) throw new Error(`${dir}: ${h.stderr}`);
  }
  const flags = (process.env[`AB_FLAGS_${side}`] ?? '').split(' ').filter(Boolean);
  const args = [bin, 'serve', 'churn', '--port', String(port), '--workers', String(workers), ...flags];
  // AB_NODE_OPTIONS_A / _B: Node's own options for that side's processes (its workers inherit them)
  const nodeOptions = process.env[`AB_NODE_OPTIONS_${side}`];
  const runEnv = nodeOptions ? { ...env, NODE_OPTIONS: nodeOptions } : env;
  return () => (pinned ? spawn('taskset', ['-c', '0', process.execPath, ...args], { env: runEnv, stdio: 'ignore' }) : spawn(process.execPath, args, { env: runEnv, stdio: 'ignore' }));
}

async function ready(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/v2/health/ready`)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} never became ready`);
}

/** CPU seconds (user + system) used so far by a process and every process below it (the serving workers). */
function treeCpuSeconds(root: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // pid (comm) state ppid ... utime(14) stime(15): comm may hold spaces, so split after its closing parenthesis
      const text = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // gone meanwhile
    }
  }
  let ticks = 0;
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    ticks += stats.get(pid)?.ticks ?? 0;
    for (const [child, s] of stats) if (s.ppid === pid) todo.push(child);
  }
  // USER_HZ is 100 on Linux
  return ticks / 100;
}

function wrk(port: number, s: number, pid: number): { rps: number; p99: number; errors: number; cpuUs: number } {
  const cpu0 = treeCpuSeconds(pid);
  const out = spawnSync(pinned ? 'taskset' : 'wrk', [...(pinned ? ['-c', '1', 'wrk'] : []), '-t1', '-c32', `-d${s}s`, '--latency', '-s', lua, `http://127.0.0.1:${port}/invocations`], { encoding: 'utf8' }).stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p99m = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99 = p99m ? Number(p99m[1]) * (p99m[2] === 'us' ? 0.001 : p99m[2] === 's' ? 1000 : 1) : NaN;
  const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors: connect (\d+)/.exec(out)?.[1] ?? 0);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  // the servers' CPU per answered request: what the work costs, less disturbed than throughput by wrk and other tenants
  const cpuUs = requests > 0 ? ((treeCpuSeconds(pid) - cpu0) / requests) * 1e6 : NaN;
  return { rps, p99, errors, cpuUs };
}

/**
 * One round: both servers up (`first` started first, on the first port), warmed, then PAIRS interleaved runs; the median of
 * B/A. A round favours one side by itself (which process started first, which port: up to ~8% seen here, in either
 * direction), so the bench runs two rounds with the order swapped and reports their geometric mean.
 */
async function round(first: 'A' | 'B'): Promise<{ rps: number; cpu: number }> {
  const sides = first === 'A' ? (['A', 'B'] as const) : (['B', 'A'] as const);
  // both trained before either server starts: a server that warms up beside a training run stays 2-7% slower for minutes
  // (an A/A check in session 21; 10-13% in rounds with monitoring on the first side), which read as a cost of its settings
  const starts = sides.map((side, i) => prepare(side === 'A' ? dirA : dirB, 7951 + i, side));
  const procs = starts.map((go) => go());
  const port = (side: 'A' | 'B') => 7951 + sides.indexOf(side);
  const run = (side: 'A' | 'B', s: number) => wrk(port(side), s, procs[sides.indexOf(side)].pid!);
  try {
    await Promise.all([ready(7951), ready(7952)]);
    run('A', warmup);
    run('B', warmup);
    console.log(`\nround with ${first} started first (on port 7951)\n`);
    console.log('| pair | A req/s | A p99 ms | A CPU us/req | B req/s | B p99 ms | B CPU us/req | B/A req/s | A/B CPU per req |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    for (let i = 0; i < pairs; i++) {
      // alternate which goes first, so a drift within the pair does not favour one side
      const [ra, rb] = i % 2 === 0 ? [run('A', seconds), run('B', seconds)] : (() => { const y = run('B', seconds); return [run('A', seconds), y]; })();
      ratios.push(rb.rps / ra.rps);
      // A's CPU per request over B's: like the throughput ratio, below 1 when B costs more
      cpuRatios.push(ra.cpuUs / rb.cpuUs);
      console.log(`| ${i + 1} | ${ra.rps.toFixed(0)} | ${ra.p99.toFixed(2)} | ${ra.cpuUs.toFixed(1)} | ${rb.rps.toFixed(0)} | ${rb.p99.toFixed(2)} | ${rb.cpuUs.toFixed(1)} | ${(rb.rps / ra.rps).toFixed(3)} | ${(ra.cpuUs / rb.cpuUs).toFixed(3)} |${ra.errors + rb.errors ? ` errors ${ra.errors}/${rb.errors}` : ''}`);
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const range = (xs: number[]) => `${Math.min(...xs).toFixed(3)}-${Math.max(...xs).toFixed(3)}`;
    console.log(`\nmedian B/A ${median(ratios).toFixed(3)} (range ${range(ratios)}); CPU per request A/B ${median(cpuRatios).toFixed(3)} (range ${range(cpuRatios)})`);
    return { rps: median(ratios), cpu: median(cpuRatios) };
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : null)));
  }
}

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}; ${workers} workers${pinned ? ', servers pinned to core 0, wrk to core 1' : ''}; A=${dirA} ${process.env.AB_FLAGS_A ?? ''} ${process.env.AB_HUMILITY_A ? 'humility on' : ''} B=${dirB} ${process.env.AB_FLAGS_B ?? ''} ${process.env.AB_HUMILITY_B ? 'humility on' : ''}`);
// AB_ROUNDS (even, default 2): more rounds, the start order alternating, for a tighter figure
const results: { rps: number; cpu: number }[] = [];
for (let r = 0; r < Number(process.env.AB_ROUNDS ?? 2); r++) results.push(await round(r % 2 === 0 ? 'A' : 'B'));
const geomean = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
console.log(`\nB/A requests/s per round (A started first in odd rounds): ${results.map((r) => r.rps.toFixed(3)).join(', ')}; geometric mean ${geomean(results.map((r) => r.rps)).toFixed(3)}`);
console.log(`A/B CPU per request per round: ${results.map((r) => r.cpu.toFixed(3)).join(', ')}; geometric mean ${geomean(results.map((r) => r.cpu)).toFixed(3)}`);
