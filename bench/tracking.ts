/**
 * Issue 5 benchmark, per backend (SQLite file, PostgreSQL schema): a real `capstan server` process, load from this process
 * over keep-alive HTTP.
 *  1. log-batch ingest: 4 clients x 50 batches of 1 000 points (MLflow's per-request limit) -> points per second.
 *  2. 64 writers x 1 000 single-point MLflow log-metric calls -> points stored, errors, seconds.
 *  3. search over 100 000 runs (params, tags, metrics; rows bulk-loaded) -> median latency of 15 filtered searches, broad
 *     and selective filter.
 * Run: node --import tsx bench/tracking.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/core/random.ts';
import { openMetadataStore } from '../src/store/index.ts';
import { insertMany } from '../src/store/sql/paging.ts';
import { jsonClient } from '../test/api/client.ts';
import { dropPgSchemas, pgTestUri } from '../test/helpers.ts';

const ROOT = join(import.meta.dirname, '..');
const TOKEN = 'bench-admin-token-0123456789';
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function startServer(storeUri: string): Promise<{ url: string; child: ChildProcess }> {
  const home = mkdtempSync(join(tmpdir(), 'capstan-bench-'));
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'capstan.js'), 'server', '--port', '0'], {
    env: { ...process.env, CAPSTAN_HOME: home, CAPSTAN_ADMIN_TOKEN: TOKEN, CAPSTAN_STORE_URI: storeUri },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /capstan server on (http:\/\/[0-9.]+:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  return { url, child };
}

async function bulkRuns(uri: string, n: number): Promise<number> {
  const s = await openMetadataStore(uri);
  const rng = new Rng(5);
  const exp = await s.experiments.ensure('bench');
  const t0 = performance.now();
  const learners = ['gbdt', 'forest', 'linear', 'knn', 'bayes'];
  const teams = ['risk', 'growth', 'ops', 'fraud'];
  for (let start = 0; start < n; start += 5000) {
    const ids = Array.from({ length: Math.min(5000, n - start) }, (_, i) => (start + i).toString(16).padStart(16, '0'));
    await s.driver.tx(async (q) => {
      await insertMany(q, 'INSERT INTO runs (id, experiment_id, name, status, started_at, user_id)', 6, ids.map((id, i) => [id, exp.id, `run-${start + i}`, 'FINISHED', 1_700_000_000_000 + start + i, 'bench']));
      await insertMany(q, 'INSERT INTO params (run_id, key, value)', 3, ids.flatMap((id) => [[id, 'learner', learners[rng.int(5)]], [id, 'lr', String(rng.next())]]));
      await insertMany(q, 'INSERT INTO tags (run_id, key, value)', 3, ids.map((id) => [id, 'team', teams[rng.int(4)]]));
      const points = ids.flatMap((id) => [[id, 'roc_auc', rng.next(), 0, 1], [id, 'log_loss', rng.next(), 0, 1]]);
      await insertMany(q, 'INSERT INTO metric_points (run_id, key, value, step, timestamp)', 5, points);
      await insertMany(q, 'INSERT INTO latest_metrics (run_id, key, value, step, timestamp)', 5, points);
    });
  }
  await s.driver.run('ANALYZE');
  await s.close();
  return (performance.now() - t0) / 1000;
}

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
