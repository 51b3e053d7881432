/**
 * Serving, before and after a change, side by side: two checkouts of Capstan (A and B, each with its node_modules), each
 * trains the telco GBDT into a home of its own and runs `capstan serve churn --workers 2` (the prediction log on); both stay
 * up, get WARMUP seconds of load, then one-row `POST /invocations` is measured on each in turn, PAIRS times, SECONDS each
 * (wrk, one thread, 32 connections). Reports requests/s and p99 per run, B/A per adjacent pair and their median: this
 * machine's speed drifts within minutes, so only interleaved runs compare two builds. Two rounds, the second with the
 * servers started in the other order; the figure is the geometric mean of the two medians (see round()).
 * Run: node --import tsx bench/serving-ab.ts DIR_A DIR_B [SECONDS=5] [PAIRS=8] [WARMUP=10]
 * One checkout with two settings: the same DIR twice, with AB_FLAGS_A / AB_FLAGS_B (extra `capstan serve` flags, e.g.
 * `--no-monitor`) and AB_HUMILITY_A / AB_HUMILITY_B (a humility rules file set on that side's model version first).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const [dirA, dirB] = process.argv.slice(2, 4);
if (!dirA || !dirB) throw new Error('usage: node --import tsx bench/serving-ab.ts DIR_A DIR_B [SECONDS] [PAIRS] [WARMUP]');
const seconds = Number(process.argv[4] ?? 5);
const pairs = Number(process.argv[5] ?? 8);
const warmup = Number(process.argv[6] ?? 10);
const row = { female: 1, senior_citizen: 0, partner: 1, dependents: 0, tenure: 1, phone_service: 0, multiple_lines: 'No phone service', internet_service: 'DSL', online_security: 'No', online_backup: 'Yes', device_protection: 'No', tech_support: 'No', streaming_tv: 'No', streaming_movies: 'No', contract: 'Month-to-month', paperless_billing: 1, payment_method: 'Electronic check', monthly_charges: 29.85, total_charges: 29.85 };
const lua = join(mkdtempSync(join(tmpdir(), 'capstan-ab-')), 'post.lua');
writeFileSync(lua, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(JSON.stringify({ dataframe_records: [row] }))}\nwrk.headers["Content-Type"] = "application/json"\n`);

function start(dir: string, port: number, side: 'A' | 'B'): ChildProcess {
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
  return spawn(process.execPath, [bin, 'serve', 'churn', '--port', String(port), '--workers', '2', ...flags], { env, stdio: 'ignore' });
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

function wrk(port: number, s: number): { rps: number; p99: number; errors: number } {
  const out = spawnSync('wrk', ['-t1', '-c32', `-d${s}s`, '--latency', '-s', lua, `http://127.0.0.1:${port}/invocations`], { encoding: 'utf8' }).stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p99m = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99 = p99m ? Number(p99m[1]) * (p99m[2] === 'us' ? 0.001 : p99m[2] === 's' ? 1000 : 1) : NaN;
  const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors: connect (\d+)/.exec(out)?.[1] ?? 0);
  return { rps, p99, errors };
}

/**
 * One round: both servers up (`first` started first, on the first port), warmed, then PAIRS interleaved runs; the median of
 * B/A. A round favours one side by itself (which process started first, which port: up to ~8% seen here, in either
 * direction), so the bench runs two rounds with the order swapped and reports their geometric mean.
 */
async function round(first: 'A' | 'B'): Promise<number> {
  const sides = first === 'A' ? (['A', 'B'] as const) : (['B', 'A'] as const);
  const procs = sides.map((side, i) => start(side === 'A' ? dirA : dirB, 7951 + i, side));
  const port = (side: 'A' | 'B') => 7951 + sides.indexOf(side);
  try {
    await Promise.all([ready(7951), ready(7952)]);
    wrk(7951, warmup);
    wrk(7952, warmup);
    console.log(`\nround with ${first} started first (on port 7951)\n`);
    console.log('| pair | A req/s | A p99 ms | B req/s | B p99 ms | B/A |');
    console.log('|---|---|---|---|---|---|');
    const ratios: number[] = [];
    for (let i = 0; i < pairs; i++) {
      // alternate which goes first, so a drift within the pair does not favour one side
      const [ra, rb] = i % 2 === 0 ? [wrk(port('A'), seconds), wrk(port('B'), seconds)] : (() => { const y = wrk(port('B'), seconds); return [wrk(port('A'), seconds), y]; })();
      ratios.push(rb.rps / ra.rps);
      console.log(`| ${i + 1} | ${ra.rps.toFixed(0)} | ${ra.p99.toFixed(2)} | ${rb.rps.toFixed(0)} | ${rb.p99.toFixed(2)} | ${(rb.rps / ra.rps).toFixed(3)} |${ra.errors + rb.errors ? ` errors ${ra.errors}/${rb.errors}` : ''}`);
    }
    ratios.sort((x, y) => x - y);
    const median = ratios[Math.floor(ratios.length / 2)];
    console.log(`\nmedian B/A ${median.toFixed(3)} (range ${ratios[0].toFixed(3)}-${ratios.at(-1)!.toFixed(3)})`);
    return median;
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : null)));
  }
}

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}; A=${dirA} ${process.env.AB_FLAGS_A ?? ''} ${process.env.AB_HUMILITY_A ? 'humility on' : ''} B=${dirB} ${process.env.AB_FLAGS_B ?? ''} ${process.env.AB_HUMILITY_B ? 'humility on' : ''}`);
const one = await round('A');
const two = await round('B');
console.log(`\nB/A: ${one.toFixed(3)} (A started first), ${two.toFixed(3)} (B started first); geometric mean ${Math.sqrt(one * two).toFixed(3)}`);
