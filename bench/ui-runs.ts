/**
 * Issue 21: the web UI at scale, as a user meets it. A real `capstan server` (SQLite, its defaults) seeded through the API
 * with N runs in one experiment (params, tags, two metrics each), then:
 *  1. the API calls the runs page makes: its first page, sorted by a metric, filtered by a metric (median of 7 each);
 *  2. the page itself in headless Chromium: from navigation to its first page (200 runs, the rows in view drawn) on screen (a fresh browser context each
 *     time: the bundle loaded and run), then sorting and filtering by a metric from a click to the new rows (median of 5);
 *  3. the initial JavaScript and CSS, gzipped (what index.html loads before any page's own chunk).
 * Run: node --import tsx bench/ui-runs.ts [RUNS=100000]
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { startCapstanServer, TOKEN } from './tracking-lib.ts';

const ROOT = join(import.meta.dirname, '..');
const N = Number(process.argv[2] ?? 100_000);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-stale'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(1);

const { url, child } = await startCapstanServer(ROOT, `sqlite:${join(mkdtempSync(join(tmpdir(), 'capstan-ui-bench-')), 'capstan.db')}`);
const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
};
try {
  const exp = (await call('POST', '/api/v1/experiments', { name: 'ui-bench' })) as { id: string };
  const t0 = performance.now();
  let next = 0;
  const learners = ['gbdt', 'forest', 'linear', 'knn', 'bayes'];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < N; i = next++) {
        const run = (await call('POST', '/api/v1/runs', { experimentId: exp.id, name: `run-${i}`, tags: { team: ['risk', 'growth', 'ops'][i % 3] } })) as { id: string };
        const x = ((i * 2654435761) % 1_000_003) / 1_000_003;
        await call('POST', `/api/v1/runs/${run.id}/batch`, { params: [{ key: 'learner', value: learners[i % 5] }, { key: 'lr', value: String(0.01 + (i % 97) / 100) }], metrics: [{ key: 'roc_auc', value: x, step: 0 }, { key: 'log_loss', value: 1 - x, step: 0 }] });
      }
    }),
  );
  const seedSeconds = (performance.now() - t0) / 1000;

  const timed = async (path: string) => {
    const ms: number[] = [];
    for (let k = 0; k < 7; k++) {
      const a = performance.now();
      await call('GET', path);
      ms.push(performance.now() - a);
    }
    return median(ms);
  };
  // the page's own page size
  const q = `/api/v1/runs?experimentId=${exp.id}&limit=200`;
  const api = {
    first: await timed(q),
    sorted: await timed(`${q}&orderBy=${encodeURIComponent('metrics.roc_auc DESC')}`),
    filtered: await timed(`${q}&filter=${encodeURIComponent('metrics.roc_auc > 0.99')}`),
    filteredSorted: await timed(`${q}&filter=${encodeURIComponent("params.learner = 'knn'")}&orderBy=${encodeURIComponent('metrics.log_loss ASC')}`),
  };

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-background-networking'] });
  const load: number[] = [];
  const sort: number[] = [];
  const filter: number[] = [];
  const drawn: number[] = [];
  /** whether the runs page shows its first page (200 runs, some rows drawn) or a filtered one (fewer runs, all drawn) */
  const ready = (want: string) => {
    const m = /^(\d+) runs on this page/.exec([...document.querySelectorAll('.muted')].map((e) => e.textContent ?? '').find((t) => t.includes('runs on this page')) ?? '');
    const rows = m ? Number(m[1]) : -1;
    const inDocument = document.querySelectorAll('table.runs tbody tr:not(.spacer)').length;
    return want === 'first' ? rows === 200 && inDocument > 0 : rows > 0 && rows < 200 && inDocument === rows;
  };
  for (let k = 0; k < 5; k++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // signed in already (the token in the tab's session storage, as the sign-in page leaves it)
    await context.addInitScript((token) => sessionStorage.setItem('capstan.token', token), TOKEN);
    const page = await context.newPage();
    let a = performance.now();
    await page.goto(`${url}/#/runs`);
    await page.waitForFunction(ready, 'first');
    load.push(performance.now() - a);
    drawn.push(await page.locator('table.runs tbody tr:not(.spacer)').count());
    // the first row's text (its first cell is the compare checkbox, the same on every row)
    const before = await page.locator('table.runs tbody tr').first().innerText();
    a = performance.now();
    await page.getByRole('button', { name: /^roc_auc/ }).click();
    await page.waitForFunction((b) => (document.querySelector('table.runs tbody tr') as HTMLElement | null)?.innerText !== b, before);
    sort.push(performance.now() - a);
    a = performance.now();
    await page.locator('input[name=filter]').fill('metrics.roc_auc < 0.0002');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForFunction(ready, 'filtered');
    filter.push(performance.now() - a);
    await context.close();
  }
  await browser.close();

  const html = readFileSync(join(ROOT, 'ui', 'dist', 'index.html'), 'utf8');
  const initial = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
  const gz = initial.reduce((s, f) => s + gzipSync(readFileSync(join(ROOT, 'ui', 'dist', f))).length, 0);

  console.log(`machine: ${cpus().length} x ${cpus()[0].model}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
  console.log(`${N} runs seeded through the API in ${seedSeconds.toFixed(0)} s (16 clients, create + batch per run)`);
  console.log(`API (median of 7): first page ${api.first.toFixed(1)} ms; sorted by roc_auc ${api.sorted.toFixed(1)} ms; filtered by roc_auc ${api.filtered.toFixed(1)} ms; filtered by a param, sorted by log_loss ${api.filteredSorted.toFixed(1)} ms`);
  console.log(`page in Chromium (median of 5): first page of 200 runs ${median(load).toFixed(0)} ms from navigation (${median(drawn)} rows drawn); sort click to rows ${median(sort).toFixed(0)} ms; filter to rows ${median(filter).toFixed(0)} ms`);
  console.log(`initial JS + CSS: ${initial.join(', ')}: ${(gz / 1024).toFixed(1)} kB gzipped`);
} finally {
  child.kill('SIGTERM');
}
