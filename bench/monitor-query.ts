/**
 * A daily-window monitoring query over 10 million logged predictions. A day of traffic (ROWS one-row requests, spread evenly
 * over 24 hours) is counted through the serving path's own code (WindowCounter and LiveWindow on real telco rows, the model's
 * real predictions), written as two serving processes' 5-second flushes would write it, and compacted each minute as the
 * recorder does; then `capstan monitor churn --window 1d` runs as a user would run it (a whole process, median of RUNS), beside
 * the same query in this process (monitorModel). The uncompacted worst case (every 5-second row still a minute row) is timed
 * too.
 * Run: node --import tsx bench/monitor-query.ts [ROWS=10000000] [RUNS=5]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { takeRows } from '../src/core/table.ts';
import { readTable } from '../src/data/index.ts';
import { predictTable } from '../src/learn/index.ts';
import { HOUR_MS, mergeWindowTexts, MINUTE_MS, monitorModel, WindowCounter } from '../src/monitor/index.ts';
import { loadModel } from '../src/registry/index.ts';
import { openStores, type MonitorWindowRow } from '../src/store/index.ts';

const ROOT = join(import.meta.dirname, '..');
const rows = Number(process.argv[2] ?? 10_000_000);
const runs = Number(process.argv[3] ?? 5);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const home = mkdtempSync(join(tmpdir(), 'capstan-bench-monitor-'));
const env = { ...process.env, CAPSTAN_HOME: home };
const bin = join(ROOT, 'bin', 'capstan.js');
const telco = join(ROOT, 'examples', 'telco-churn', 'telco_churn.csv');
// the CLI runs from dist/ only when it is fresh: build it, so no run goes through tsx
if (spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'ignore' }).status !== 0) throw new Error('build failed');
const t = spawnSync(process.execPath, [bin, 'train', telco, '--target', 'churn', '--cv', '0', '--register', 'churn'], { env, encoding: 'utf8' });
if (t.status !== 0) throw new Error(t.stderr);

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}; ${rows} predictions over a day\n`);
const s = await openStores(home);
const loaded = await loadModel(s, 'churn:1');
const m = loaded.manifest;
const data = await readTable(telco);
// one-row tables of real rows, with the model's real output for each
const singles = Array.from({ length: 2000 }, (_, i) => takeRows(data, [i]));
const outputs = singles.map((one) => predictTable(loaded.model!, one));
const counter = new WindowCounter(m.baseline, m.signature.inputs, m.outputBaseline, m.target);

const day0 = Math.floor(Date.now() / (24 * HOUR_MS)) * 24 * HOUR_MS - 24 * HOUR_MS;
const flushes = 24 * 60 * 12 * 2;
let flushIndex = 0;
const t0 = performance.now();
let counted = 0;
let rowsWritten = 0;
for (let minute = 0; minute < 24 * 60; minute++) {
  const start = day0 + minute * MINUTE_MS;
  const batch: MonitorWindowRow[] = [];
  for (let flush = 0; flush < 12; flush++) {
    for (let worker = 0; worker < 2; worker++) {
      const w = counter.window();
      const target = Math.round((rows * ++flushIndex) / flushes);
      for (; counted < target; counted++) {
        const j = counted % singles.length;
        counter.addRows(w, singles[j], outputs[j]);
        w.addRequest(0.8 + (j % 17) * 0.1, j % 997 === 0);
      }
      batch.push({ model: 'churn', version: '1', start, spanMs: MINUTE_MS, stats: JSON.stringify(w.stats()) });
    }
  }
  await s.metadata.monitor.addWindows(batch);
  rowsWritten += batch.length;
  // the recorder compacts finished hours once a minute
  if (minute % 60 === 2) await s.metadata.monitor.compact({ fromSpanMs: MINUTE_MS, toSpanMs: HOUR_MS, before: start, merge: mergeWindowTexts });
}
console.log(`counted ${counted} predictions into ${rowsWritten} window rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

async function time(label: string): Promise<void> {
  const cli: number[] = [];
  const inProcess: number[] = [];
  let requests = 0;
  for (let k = 0; k < runs; k++) {
    const a = performance.now();
    const r = spawnSync(process.execPath, [bin, 'monitor', 'churn', '--window', '1d', '--since', String(day0), '--until', String(day0 + 24 * HOUR_MS), '--json'], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
    cli.push((performance.now() - a) / 1000);
    if (r.status !== 0) throw new Error(r.stderr);
    requests = JSON.parse(r.stdout).versions[0].total.health.requests;
    const b = performance.now();
    await monitorModel(s, 'churn', { windowMs: 24 * HOUR_MS, since: day0, until: day0 + 24 * HOUR_MS });
    inProcess.push((performance.now() - b) / 1000);
  }
  const stored = (await s.metadata.monitor.windows('churn', { since: day0, until: day0 + 24 * HOUR_MS })).length;
  console.log(`${label}: ${stored} stored rows; capstan monitor --window 1d ${median(cli).toFixed(3)} s whole process (median of ${runs}), the query in-process ${(median(inProcess) * 1000).toFixed(1)} ms; requests reported ${requests}`);
}

// worst case first: the last hours not compacted yet (as just written), then everything compacted
await time('as written (hours compacted once a minute, the last two hours still minute rows)');
await s.metadata.monitor.compact({ fromSpanMs: MINUTE_MS, toSpanMs: HOUR_MS, before: day0 + 25 * HOUR_MS, merge: mergeWindowTexts, limit: 1_000_000 });
await time('all compacted');
await s.metadata.close();
