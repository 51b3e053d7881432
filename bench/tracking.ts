/**
 * Issue 5 benchmark, per backend (SQLite file, PostgreSQL schema): a real `capstan server` process, load from this process
 * over keep-alive HTTP.
 *  1. log-batch ingest: 4 clients x 50 batches of 1 000 points (MLflow's per-request limit) -> points per second.
 *  2. 64 writers x 1 000 single-point MLflow log-metric calls -> points stored, errors, seconds.
 *  3. search over 100 000 runs (params, tags, metrics; rows bulk-loaded) -> median latency of 15 filtered searches, broad
 *     and selective filter.
 * Run: node --import tsx bench/tracking.ts
 */
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonClient } from '../test/api/client.ts';
import { bulkRuns, startCapstanServer, TOKEN } from './tracking-lib.ts';
import { dropPgSchemas, pgTestUri } from '../test/helpers.ts';

const ROOT = join(import.meta.dirname, '..');
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const startServer = (uri: string) => startCapstanServer(ROOT, uri);

async function bench(label: string, uri: string): Promise<string[]> {
  const rows: string[] = [];
  const { url, child } = await startServer(uri);
  const c = jsonClient(url, TOKEN);
  try {
    // 1. log-batch ingest
    const runIds: string[] = [];
    for (let i = 0; i < 4; i++) runIds.push((JSON.parse((await c.call('POST', '/api/2.0/mlflow/runs/create', { run_name: `ingest-${i}` })).text) as { run: { info: { run_id: string } } }).run.info.run_id);
    let t0 = performance.now();
    let errors = 0;
    await Promise.all(runIds.map(async (runId) => {
      for (let b = 0; b < 50; b++) {
        const metrics = Array.from({ length: 1000 }, (_, j) => ({ key: `m${j % 10}`, value: Math.random(), timestamp: Date.now(), step: b * 100 + Math.floor(j / 10) }));
        const r = await c.call('POST', '/api/2.0/mlflow/runs/log-batch', { run_id: runId, metrics });
        if (r.status !== 200) errors++;
      }
    }));
    let s = (performance.now() - t0) / 1000;
    rows.push(`| ${label} | log-batch ingest, 4 clients x 50 x 1 000 points | ${(200_000 / s).toFixed(0)} points/s | ${s.toFixed(2)} s, ${errors} errors |`);

    // 2. 64 writers x 1 000 single-point log-metric calls
    t0 = performance.now();
    errors = 0;
    const writers = await Promise.all(Array.from({ length: 64 }, async (_, w) => (JSON.parse((await c.call('POST', '/api/2.0/mlflow/runs/create', { run_name: `w${w}` })).text) as { run: { info: { run_id: string } } }).run.info.run_id));
    await Promise.all(writers.map(async (runId) => {
      for (let i = 0; i < 1000; i++) {
        const r = await c.call('POST', '/api/2.0/mlflow/runs/log-metric', { run_id: runId, key: 'loss', value: 1 / (i + 1), timestamp: Date.now(), step: i });
        if (r.status !== 200) errors++;
      }
    }));
    s = (performance.now() - t0) / 1000;
    let stored = 0;
    for (const runId of writers) stored += (JSON.parse((await c.call('GET', `/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=loss`)).text) as { metrics: unknown[] }).metrics.length;
    rows.push(`| ${label} | 64 writers x 1 000 single log-metric calls | ${(64_000 / s).toFixed(0)} requests/s | ${s.toFixed(1)} s, ${stored} points stored, ${errors} errors |`);
  } finally {
    c.close();
    child.kill('SIGTERM');
  }

  // 3. search over 100 000 runs
  const loadS = await bulkRuns(uri, 100_000);
  const srv = await startServer(uri);
  const c2 = jsonClient(srv.url, TOKEN);
  try {
    for (const [what, filter] of [
      ['broad', "metrics.roc_auc > 0.8 and params.learner = 'gbdt' and tags.team = 'risk'"],
      ['selective', "metrics.roc_auc > 0.999 and params.learner = 'gbdt' and tags.team = 'risk'"],
    ]) {
      const times: number[] = [];
      let count = 0;
      for (let i = 0; i < 15; i++) {
        const t = performance.now();
        const r = await c2.call('POST', '/api/v1/runs/search', { filter, limit: 100 });
        times.push(performance.now() - t);
        count = (JSON.parse(r.text) as { items: unknown[] }).items.length;
        if (r.status !== 200) throw new Error(r.text);
      }
      rows.push(`| ${label} | search 100 000 runs, ${what}: \`${filter}\` (page of 100) | median ${median(times).toFixed(1)} ms | ${count} runs on the page; max ${Math.max(...times).toFixed(1)} ms; bulk load ${loadS.toFixed(1)} s |`);
    }
  } finally {
    c2.close();
    srv.child.kill('SIGTERM');
  }
  return rows;
}

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| backend | scenario | result | detail |');
console.log('|---|---|---|---|');
const sqlite = `sqlite:${join(mkdtempSync(join(tmpdir(), 'capstan-bench-db-')), 'capstan.db')}`;
for (const row of await bench('SQLite', sqlite)) console.log(row);
for (const row of await bench('PostgreSQL', pgTestUri())) console.log(row);
await dropPgSchemas();
