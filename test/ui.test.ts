import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parse } from 'yaml';
import { cellValue } from '../src/core/table.ts';
import { readTable } from '../src/data/index.ts';
import { BIN, cliAsync, ROOT, TELCO, tempHome } from './helpers.ts';

const SHOTS = join(ROOT, 'ui', 'screenshots');
const TOKEN = 'ui-test-admin-token-0123456789abcdef';
/** Text a careless page would run: stored through the API as names, params and tags (keys themselves are refused such text). */
const XSS = ['<img src=x onerror="alert(1)">', '<script>alert(2)</script>', '"><svg onload=alert(3)>', "javascript:alert('4')", '{{constructor.constructor("alert(5)")()}}'];

/** `capstan server` on an ephemeral port; resolves with its URL once it is listening. */
function startServer(home: string): Promise<{ url: string; child: ChildProcessWithoutNullStreams }> {
  const child = spawn(process.execPath, [BIN, 'server', '--port', '0'], { env: { ...process.env, CAPSTAN_HOME: home, CAPSTAN_ADMIN_TOKEN: TOKEN } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /capstan server on (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve({ url: m[1], child });
    });
    child.once('exit', (code) => reject(new Error(`capstan server exited with ${code}: ${out}`)));
  });
}

describe('web UI (Chromium against capstan server)', () => {
  const home = tempHome();
  let server: { url: string; child: ChildProcessWithoutNullStreams };
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];
  const foreign: string[] = [];
  const consoleErrors: string[] = [];
  const api = (method: string, path: string, body?: unknown) => fetch(server.url + path, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // a model trained and registered by the CLI (its runs), then runs with hostile names, params, tags and metric keys
    const t = await cliAsync(['train', TELCO, '--target', 'churn', '--cv', '0', '--param', 'n_estimators=20', '--register', 'churn'], home);
    assert.equal(t.status, 0, t.stderr);
    server = await startServer(home);
    // experiment names refuse such text (the API's own check); run names, params and tag values take anything
    assert.equal((await api('POST', '/api/v1/experiments', { name: `xss ${XSS[0]}` })).status, 400);
    const created = await api('POST', '/api/v1/experiments', { name: 'xss corpus' });
    assert.equal(created.status, 201);
    const exp = await created.json();
    for (let i = 0; i < XSS.length; i++) {
      const run = await (await api('POST', '/api/v1/runs', { experimentId: exp.id, name: XSS[i], tags: { note: XSS[(i + 1) % XSS.length] } })).json();
      assert.ok(run.id, JSON.stringify(run));
      const logged = await api('POST', `/api/v1/runs/${run.id}/batch`, { params: [{ key: 'learner', value: XSS[i] }], metrics: [{ key: 'auc', value: 0.5 + i / 10, step: 0 }, { key: 'rank', value: i, step: 0 }] });
      assert.equal(logged.status, 204, await logged.text());
    }
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('request', (r) => {
      if (!r.url().startsWith(server.url) && !r.url().startsWith('data:') && !r.url().startsWith(`blob:${server.url}`)) foreign.push(r.url());
    });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
  });

  after(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
  });

  it('serves the pages under a strict Content-Security-Policy, index revalidated and bundles cached', async () => {
    const index = await fetch(server.url + '/');
    assert.equal(index.status, 200);
    const csp = index.headers.get('content-security-policy')!;
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const html = await index.text();
    assert.doesNotMatch(html, /<script>(?!<\/script>)|<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1];
    const js = await fetch(server.url + asset);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('cache-control')!, /immutable/);
    // anything else is the API's: without a token, 401
    assert.equal((await fetch(server.url + '/assets/nope.js')).status, 401);
    assert.equal((await fetch(server.url + '/assets/..%2f..%2fpackage.json')).status, 400);
  });

  it('signs in with a token (a wrong one is refused), shows the runs as text, filters and sorts them on the server; models: an approver approves, a viewer is not offered it', async () => {
    await page.goto(server.url + '/');
    await page.getByLabel('API token').fill('not-a-token-0123456789');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(/missing or invalid token/).waitFor();
    await page.screenshot({ path: join(SHOTS, 'sign-in.png') });
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('admin (admin)').waitFor();
    // the token is kept for the tab's session, never in the address
    assert.ok(!page.url().includes(TOKEN));

    // the newest experiment (the hostile runs') is shown first: their names as text
    assert.equal(await page.locator('select[name=experiment] option:checked').innerText(), 'xss corpus');
    await page.locator('table.runs tbody tr').nth(XSS.length - 1).waitFor();
    for (const x of XSS) assert.ok((await page.locator('table.runs tbody').innerText()).includes(x), x);
    await page.screenshot({ path: join(SHOTS, 'runs.png'), fullPage: true });

    await page.locator('input[name=filter]').fill('metrics.auc > 0.65');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForFunction(() => document.querySelectorAll('table.runs tbody tr').length === 3);
    await page.getByRole('button', { name: /^auc/ }).click();
    await page.waitForFunction(() => document.querySelector('table.runs tbody tr td:nth-child(2)')?.textContent === '{{constructor.constructor("alert(5)")()}}');
    await page.getByRole('button', { name: /^auc/ }).click();
    await page.waitForFunction(() => document.querySelector('table.runs tbody tr td:nth-child(2)')?.textContent === '"><svg onload=alert(3)>');
    await page.locator('input[name=filter]').fill('metrics.auc >');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.locator('.error').waitFor();
    await page.locator('input[name=filter]').fill('');
    await page.getByRole('button', { name: 'Filter' }).click();

    // the CLI's experiment: the registered model's training run
    await page.locator('select[name=experiment]').selectOption({ index: 0 });
    await page.locator('table.runs tbody tr').first().waitFor();

    // a model card written with markup in it: shown as headings, bullets and code, every character as text
    assert.equal((await api('PUT', '/api/v1/models/churn/versions/1/card', { text: 5 })).status, 400);
    const card = `# churn ${XSS[1]}\n\n## Intended use\n- retention calls ${XSS[0]}\n- not for pricing: \`${XSS[2]}\`\n\n**bold** [link](${XSS[3]})\n`;
    assert.equal((await api('PUT', '/api/v1/models/churn/versions/1/card', { text: card })).status, 200);
    await page.getByRole('link', { name: 'Models' }).click();
    await page.getByRole('heading', { name: 'churn', exact: true }).waitFor();
    await page.locator('.model tbody tr').first().waitFor();
    await page.getByRole('heading', { name: 'Model card: version 1' }).waitFor();
    assert.equal(await page.locator('.card h4').innerText(), `churn ${XSS[1]}`);
    assert.deepEqual(await page.locator('.card li').allInnerTexts(), [`retention calls ${XSS[0]}`, `not for pricing: ${XSS[2]}`]);
    assert.equal(await page.locator('.card li code').innerText(), XSS[2]);
    assert.equal(await page.locator('.card p strong').innerText(), 'bold');
    assert.equal(await page.locator('.card a, .card img, .card script, .card svg').count(), 0, 'no element from the card\'s text');
    // an approver (the admin here) approves the version for champion: not its author (the CLI's local user), so the
    // four-eyes rule holds and the approval and its audit entry appear
    await page.getByRole('button', { name: 'Approve for champion' }).first().click();
    await page.getByText('version 1 approved for champion').waitFor();
    await page.locator('ul.approvals li', { hasText: 'version 1 for champion by admin' }).waitFor();
    await page.locator('table.audit td', { hasText: 'approval' }).first().waitFor();
    // lineage: the training run and the dataset version it read, each a link to its page
    await page.locator('td.lineage a', { hasText: /^telco_churn v1$/ }).waitFor();
    assert.match((await page.locator('td.lineage a', { hasText: 'run' }).first().getAttribute('href')) ?? '', /^#\/run\/[0-9a-f]+$/);
    // a traffic split set through the API shows as shares
    const split = await api('PUT', '/api/v1/models/churn/traffic', { routes: [{ version: 1, weight: 3 }], stickyHeader: 'x-user' });
    assert.equal(split.status, 200, await split.text());
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.getByRole('link', { name: 'Models' }).click();
    await page.locator('table.traffic th', { hasText: 'version 1' }).waitFor();
    assert.equal(await page.locator('table.traffic td').first().textContent(), '100.0%');
    await page.screenshot({ path: join(SHOTS, 'models.png'), fullPage: true });
    assert.equal((await api('DELETE', '/api/v1/models/churn/traffic')).status, 204);

    // a viewer is not offered the approval, and the API refuses it anyway
    const viewer = await (await api('POST', '/api/v1/tokens', { name: 'ui-viewer', role: 'viewer' })).json();
    const context = await browser.newContext();
    const vpage = await context.newPage();
    await vpage.goto(server.url + '/#/models');
    await vpage.getByLabel('API token').fill(viewer.token);
    await vpage.getByRole('button', { name: 'Sign in' }).click();
    await vpage.getByRole('heading', { name: 'churn', exact: true }).waitFor();
    await vpage.locator('table.versions tbody tr').first().waitFor();
    assert.equal(await vpage.getByRole('button', { name: 'Approve for champion' }).count(), 0);
    await vpage.screenshot({ path: join(SHOTS, 'models-viewer.png'), fullPage: true });
    await context.close();
    const refused = await fetch(`${server.url}/api/v1/models/churn/versions/1/approvals`, { method: 'POST', headers: { authorization: `Bearer ${viewer.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ alias: 'champion' }) });
    assert.equal(refused.status, 403);

    assert.deepEqual(dialogs, [], 'no script ran from stored text');
    assert.deepEqual(foreign, [], 'no request left the server');
    assert.deepEqual(consoleErrors.filter((e) => /Content Security Policy/.test(e)), [], 'nothing the policy had to block');
  });
  it('run detail (params, metric history chart, artifact preview as text), compare with differing params highlighted, monitoring with drift over time and an alert acknowledged, a pipeline run as a DAG with step logs', async () => {
    // (the 401 and 400 the previous test provoked on purpose are not this test's)
    consoleErrors.length = 0;
    // a run with a metric logged over steps and a text artifact holding hostile text
    const exp = (await (await api('GET', '/api/v1/experiments?name=xss%20corpus')).json()).items[0];
    const run = await (await api('POST', '/api/v1/runs', { experimentId: exp.id, name: 'curve run', tags: { note: 'has history' } })).json();
    const points = [0, 1, 2, 3, 4, 5].map((step) => ({ key: 'loss', value: 1 / (step + 1), step }));
    assert.equal((await api('POST', `/api/v1/runs/${run.id}/batch`, { params: [{ key: 'learner', value: 'gbdt' }], metrics: [...points, { key: 'auc', value: 0.9, step: 0 }] })).status, 204);
    const put = await fetch(`${server.url}/api/v1/runs/${run.id}/artifacts/notes/readme.txt`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}` }, body: `notes ${XSS.join(' ')}` });
    assert.equal(put.status, 201, await put.text());

    // monitoring traffic through the server (half of it shifted), the actuals for it, and a drift alert that fires
    const telco = await readTable(TELCO);
    const names = telco.columns.filter((c) => c.name !== 'churn').map((c) => c.name);
    const churn = telco.columns.find((c) => c.name === 'churn')!;
    const ids: { id: string; actual: string }[] = [];
    for (let r = 0; r < 80; r++) {
      const rec = Object.fromEntries(names.map((n) => [n, n === 'tenure' && r >= 40 ? 70 : n === 'contract' && r >= 40 ? 'Two year' : cellValue(telco.columns.find((c) => c.name === n)!, r)]));
      const res = await api('POST', '/invocations?model=churn&version=1', { dataframe_records: [rec] });
      const body = await res.text();
      assert.equal(res.status, 200, body);
      ids.push({ id: res.headers.get('x-prediction-id')!, actual: String(cellValue(churn, r)) });
    }
    // the log and the windows are written a few seconds after the answers
    const until = async (what: string, ok: () => Promise<boolean>) => {
      for (let i = 0; i < 60 && !(await ok()); i++) await new Promise((r) => setTimeout(r, 250));
      assert.ok(await ok(), what);
    };
    await until('actuals joined', async () => (await (await api('POST', '/api/v1/actuals', { actuals: ids.map((x) => ({ id: x.id, value: x.actual })) })).json()).unmatched?.length === 0);
    await until('windows written', async () => (await (await api('GET', '/api/v1/monitor/churn')).json()).versions?.[0]?.total.health.requests === 80);
    assert.equal((await api('PUT', '/api/v1/policies/churn', { window: '1d', alerts: [{ name: 'drift', figure: 'drift.share', above: 0.05 }] })).status, 200);
    const evaluated = await (await api('POST', '/api/v1/alerts/evaluate')).json();
    assert.deepEqual(evaluated.items.map((x: { rule: string; state: string }) => [x.rule, x.state]), [['drift', 'firing']]);

    // the run's page, reached from the runs table
    await page.goto(server.url + '/#/runs');
    await page.locator('select[name=experiment]').selectOption({ label: 'xss corpus' });
    await page.getByRole('link', { name: 'curve run' }).click();
    await page.locator('table.params').getByText('gbdt').waitFor();
    await page.locator('[aria-label="loss"] canvas').waitFor();
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('.preview pre').waitFor();
    assert.equal(await page.locator('.preview pre').innerText(), `notes ${XSS.join(' ')}`);
    await page.screenshot({ path: join(SHOTS, 'run.png'), fullPage: true });

    // compare: two hostile runs and the curve run, ticked on the runs page; the differing param row is highlighted
    await page.getByRole('navigation').getByRole('link', { name: 'Runs' }).click();
    await page.locator('table.runs tbody tr').nth(XSS.length).waitFor();
    for (const name of ['curve run', XSS[0], XSS[1]]) await page.getByRole('checkbox', { name: `compare ${name}` }).check();
    await page.getByRole('link', { name: 'Compare 3 runs' }).click();
    await page.locator('table.compare-table tr.differs th', { hasText: 'learner' }).waitFor();
    assert.equal(await page.locator('table.compare-table thead th').count(), 4);
    await page.locator('[aria-label="loss"] canvas').waitFor();
    await page.locator('[aria-label="auc"] canvas').waitFor();
    await page.screenshot({ path: join(SHOTS, 'compare.png'), fullPage: true });

    // monitoring: health, drift over time and per feature, accuracy from actuals; the alert acknowledged
    await page.getByRole('navigation').getByRole('link', { name: 'Monitoring' }).click();
    await page.locator('table.drift tr.drifted td', { hasText: 'tenure' }).waitFor();
    await page.locator('[aria-label="feature drift statistic over time"] canvas').waitFor();
    await page.locator('[aria-label="accuracy from actuals"] canvas').waitFor();
    await page.getByText('80 labelled, 0 pending').waitFor();
    await page.locator('table.alerts tr.firing').waitFor();
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.locator('table.alerts tr.acknowledged td', { hasText: 'admin' }).waitFor();
    await page.getByText(/^policy version 1, applied by admin/).waitFor();
    assert.match((await page.locator('.retraining pre').textContent()) ?? '', /"figure": "drift.share"/);
    await page.screenshot({ path: join(SHOTS, 'monitoring.png'), fullPage: true });
    const alerts = await (await api('GET', '/api/v1/alerts?model=churn')).json();
    assert.equal(alerts.items[0].status, 'acknowledged');

    // pipelines: a run of the example training pipeline by the CLI, drawn as its DAG; a step's log opens from its node
    const ran = await cliAsync(['pipeline', 'run', join(ROOT, 'examples', 'pipelines', 'train.yaml'), '--param', 'model=churn-ui'], home);
    assert.equal(ran.status, 0, ran.stderr);
    await page.getByRole('navigation').getByRole('link', { name: 'Pipelines' }).click();
    await page.getByRole('heading', { name: /^train-churn: FINISHED in/ }).waitFor();
    const steps = await page.locator('table.steps tbody tr').count();
    assert.ok(steps >= 5, `${steps} steps`);
    assert.equal(await page.locator('.react-flow__node.step.succeeded').count(), steps);
    assert.ok((await page.locator('.react-flow__edge').count()) >= steps - 1);
    await page.locator('.react-flow__node', { hasText: 'train' }).first().click();
    await page.getByRole('heading', { name: 'log of train' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'pipelines.png'), fullPage: true });

    assert.deepEqual(dialogs, [], 'no script ran from stored text');
    assert.deepEqual(foreign, [], 'no request left the server');
    assert.deepEqual(consoleErrors, [], 'no errors in the console (the policy blocked nothing, every chart drew)');
  });

  it('AutoML: the leaderboard and the winner\'s insights as charts (ROC, PR, lift, calibration, confusion matrix, feature impact, partial dependence)', async () => {
    consoleErrors.length = 0;
    const a = await cliAsync(['automl', TELCO, '--target', 'churn', '--trials', '6', '--cv', '3', '--learners', 'gbdt,linear', '--json'], home);
    assert.equal(a.status, 0, a.stderr);
    const doc = JSON.parse(a.stdout);
    await page.getByRole('navigation').getByRole('link', { name: 'AutoML' }).click();
    await page.getByRole('heading', { name: /^Leaderboard: binary on churn, roc_auc/ }).waitFor();
    assert.equal(await page.locator('table.leaderboard tbody tr').count(), doc.leaderboard.length);
    assert.equal(await page.locator('table.leaderboard tbody tr').first().locator('td').nth(2).textContent(), doc.leaderboard[0].cv_mean.toFixed(4));
    for (const title of ['ROC curve', 'Precision-recall curve', 'Lift chart (deciles of the prediction)', 'Calibration', 'Feature impact (permutation, normalised)']) {
      await page.getByRole('img', { name: title }).locator('canvas').waitFor();
    }
    assert.ok((await page.getByRole('img', { name: /^Partial dependence: / }).count()) >= 1);
    assert.equal(await page.locator('table.confusion tbody tr').count(), 2);
    await page.screenshot({ path: join(SHOTS, 'automl.png'), fullPage: true });
    assert.deepEqual(foreign, [], 'no request left the server');
    assert.deepEqual(consoleErrors, [], 'no errors in the console');
  });

  it('datasets: versions, schema and a chart per column; hostile column names shown as text', async () => {
    consoleErrors.length = 0;
    const csv = join(home, 'hostile.csv');
    writeFileSync(csv, [`tenure,"${XSS[0].replaceAll('"', '""')}",plan`, ...Array.from({ length: 40 }, (_, i) => `${i % 13},${i % 3 === 0 ? 'a' : 'b'},${['basic', 'plus', 'pro'][i % 3]}`)].join('\n') + '\n');
    for (const args of [['data', 'register', TELCO, '--name', 'telco'], ['data', 'register', csv, '--name', 'hostile']]) {
      const r = await cliAsync(args, home);
      assert.equal(r.status, 0, r.stderr);
    }
    await page.getByRole('navigation').getByRole('link', { name: 'Datasets' }).click();
    await page.getByRole('button', { name: 'hostile v1', exact: true }).click();
    await page.getByRole('heading', { name: /^hostile v1: schema and profile \(40 rows\)/ }).waitFor();
    await page.locator('table.profile td', { hasText: XSS[0] }).waitFor();
    assert.equal(await page.locator('table.profile tbody tr').count(), 3);
    await page.getByRole('button', { name: 'telco v1', exact: true }).click();
    await page.getByRole('heading', { name: /^telco v1: schema and profile/ }).waitFor();
    assert.equal(await page.locator('table.profile tbody tr').count(), 20);
    await page.getByRole('img', { name: 'tenure (integer)' }).locator('canvas').waitFor();
    await page.getByRole('img', { name: 'monthly_charges (numeric)' }).locator('canvas').waitFor();
    await page.getByRole('img', { name: 'contract (categorical)' }).locator('canvas').waitFor();
    assert.match(await page.locator('.pipelines p.muted', { hasText: 'Not validated' }).innerText(), /registering a later version checks it/);

    // a second version with a category never seen, values far out of range and a shifted distribution: registering it
    // checks it against v1, and the page shows the anomalies, the drift per column and the flagged columns
    const csv2 = join(home, 'hostile-2.csv');
    writeFileSync(csv2, [`tenure,"${XSS[0].replaceAll('"', '""')}",plan`, ...Array.from({ length: 40 }, (_, i) => `${40 + i},${i % 3 === 0 ? 'a' : 'b'},${i % 2 ? XSS[1] : 'basic'}`)].join('\n') + '\n');
    const second = await cliAsync(['data', 'register', csv2, '--name', 'hostile'], home);
    assert.equal(second.status, 0, second.stderr);
    await page.getByRole('navigation').getByRole('link', { name: 'Runs' }).click();
    await page.getByRole('navigation').getByRole('link', { name: 'Datasets' }).click();
    await page.getByRole('button', { name: 'hostile v2', exact: true }).click();
    await page.getByRole('heading', { name: /^Anomalies: [1-9]\d* errors, \d+ warnings$/ }).waitFor();
    await page.getByText(/checked against hostile v1 by local:/).waitFor();
    const anomalies = await page.locator('table.anomalies tbody tr').allInnerTexts();
    for (const want of [/^error\tout_of_range\ttenure\t/, /^error\tout_of_domain\tplan\t/, /^(error|warning)\tdistribution_shift\ttenure\t/]) assert.ok(anomalies.some((a) => want.test(a)), `${want} in ${anomalies.join(' | ')}`);
    assert.equal(await page.locator('table.drift tr', { hasText: 'tenure' }).locator('td.severity').innerText(), 'yes');
    assert.match(await page.locator('table.profile tr', { hasText: 'plan' }).locator('td.flags').innerText(), /out_of_domain/);
    await page.screenshot({ path: join(SHOTS, 'datasets.png'), fullPage: true });
    assert.deepEqual(dialogs, [], 'no script ran from a column name');
    assert.deepEqual(foreign, [], 'no request left the server');
    assert.deepEqual(consoleErrors, [], 'no errors in the console');
  });

  it('a long table draws only the rows in view: 300 runs, a page of 200, fewer rows in the document, the last one reached by scrolling', async () => {
    consoleErrors.length = 0;
    const exp = await (await api('POST', '/api/v1/experiments', { name: 'many runs' })).json();
    for (let i = 0; i < 300; i++) {
      const r = await (await api('POST', '/api/v1/runs', { experimentId: exp.id, name: `bulk-${String(i).padStart(3, '0')}` })).json();
      assert.equal((await api('POST', `/api/v1/runs/${r.id}/batch`, { metrics: [{ key: 'i', value: i, step: 0 }] })).status, 204);
    }
    await page.getByRole('navigation').getByRole('link', { name: 'Datasets' }).click();
    await page.getByRole('navigation').getByRole('link', { name: 'Runs' }).click();
    await page.locator('select[name=experiment]').selectOption({ label: 'many runs' });
    await page.getByText(/^200 runs on this page, \d+ ms$/).waitFor();
    const drawn = () => page.locator('table.runs tbody tr:not(.spacer)').count();
    const first = await drawn();
    assert.ok(first > 0 && first < 100, `${first} rows drawn of 200`);
    assert.equal(await page.locator('table.runs tbody tr.spacer').count(), 1, 'one spacer below the window, none above');
    const wrap = page.locator('.table-wrap');
    const full = await wrap.evaluate((el) => el.scrollHeight);
    await wrap.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.waitForFunction(() => !document.querySelector('table.runs tbody tr:last-child')?.classList.contains('spacer'));
    assert.ok((await drawn()) < 100, 'still a window of rows after the scroll');
    assert.equal(await wrap.evaluate((el) => el.scrollHeight), full, 'the spacers keep the scroll height of all 200 rows');
    // sorted by the metric, highest first: the page ends with the 200th highest
    await page.getByRole('button', { name: /^i/ }).click();
    await wrap.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.waitForFunction(() => document.querySelector('table.runs tbody tr:last-child td:nth-child(2)')?.textContent === 'bulk-100');
    await page.screenshot({ path: join(SHOTS, 'runs-many.png') });
    assert.deepEqual(consoleErrors, [], 'no errors in the console (the spacers\' heights pass the style policy)');
  });

  it('designer: three components dragged onto the canvas, a link of the wrong type refused, inputs set, saved, reopened exactly, run', async () => {
    consoleErrors.length = 0;
    await page.getByRole('navigation').getByRole('link', { name: 'Designer' }).click();
    const canvas = page.getByLabel('pipeline canvas');
    const yaml = page.getByLabel('pipeline YAML');
    const palette = (name: string) => page.locator('.palette li').filter({ has: page.getByText(name, { exact: true }) });
    await palette('capstan/load').waitFor();
    for (const [component, x, y] of [['capstan/load', 20, 30], ['capstan/split', 250, 330], ['capstan/train', 455, 30]] as const) {
      await palette(component).dragTo(canvas, { targetPosition: { x, y } });
    }
    await page.locator('.react-flow__node').nth(2).waitFor();
    assert.equal(await page.locator('.react-flow__node').count(), 3);
    assert.match(await yaml.inputValue(), /- name: train\n {4}component: capstan\/train/);

    // a port dragged onto another: the handle's centre to the handle's centre, as a user's mouse goes
    const link = async (source: string, output: string, target: string, input: string) => {
      const from = await page.locator(`.react-flow__node[data-id="${source}"] .react-flow__handle.source[data-handleid="${output}"]`).boundingBox();
      const to = await page.locator(`.react-flow__node[data-id="${target}"] .react-flow__handle.target[data-handleid="${input}"]`).boundingBox();
      assert.ok(from && to, `${source}.${output} -> ${target}.${input} on the canvas`);
      await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
      await page.mouse.down();
      await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 12 });
      await page.mouse.up();
    };
    // the linter has looked at the three steps (their required inputs are missing) before ports are dragged
    await page.waitForFunction(() => document.querySelectorAll('.design-step.has-problems').length === 3);
    await link('load', 'data', 'train', 'target');
    await page.getByText('refused: train.target takes a string; load.data is a file').waitFor();
    assert.equal(await page.locator('.react-flow__edge').count(), 0);
    assert.doesNotMatch(await yaml.inputValue(), /target:/);
    const edges = (n: number, timeout: number) => page.waitForFunction((k) => document.querySelectorAll('.react-flow__edge').length === k, n, { timeout });
    // a drag that starts while the canvas is still settling (a node measured, the view fitted) can miss its handle, as a
    // user's can: the drag is made again, from freshly read handle positions, up to three times, before the edge must be there
    const connect = async (edgesAfter: number, ...ports: [string, string, string, string]) => {
      for (let attempt = 1; ; attempt++) {
        await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
        await link(...ports);
        try {
          return await edges(edgesAfter, attempt < 3 ? 2_000 : 5_000);
        } catch (e) {
          if (attempt === 3) throw e;
        }
      }
    };
    await connect(1, 'load', 'data', 'split', 'data');
    // the linter has seen the link (split's input is no longer missing)
    await page.locator('.react-flow__node[data-id="split"] .design-step:not(.has-problems)').waitFor();
    await connect(2, 'split', 'train', 'train', 'data');
    assert.equal(await page.locator('.react-flow__edge').count(), 2);

    const setInput = async (step: string, input: string, value: string) => {
      await page.locator(`.react-flow__node[data-id="${step}"] .design-step-head`).click();
      await page.getByRole('heading', { name: step, exact: true }).waitFor();
      await page.getByLabel(`input ${input}`, { exact: true }).fill(value);
      await page.getByLabel(`input ${input}`, { exact: true }).press('Enter');
    };
    await setInput('load', 'path', TELCO);
    await setInput('split', 'stratify', 'churn');
    await setInput('train', 'target', 'churn');
    await setInput('train', 'params', '{"n_estimators": 20}');
    await page.getByLabel('pipeline name').fill('designed-churn');
    await page.getByLabel('pipeline name').press('Tab');
    await page.getByText('No problems: the pipeline compiles.').waitFor();
    assert.equal(await page.locator('.design-step.has-problems').count(), 0);
    await page.screenshot({ path: join(SHOTS, 'designer.png'), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save' }).click()]);
    assert.equal(download.suggestedFilename(), 'designed-churn.yaml');
    const savedPath = join(home, 'designed-churn.yaml');
    await download.saveAs(savedPath);
    const saved = readFileSync(savedPath, 'utf8');
    assert.equal(saved, await yaml.inputValue());
    const spec = parse(saved);
    assert.equal(spec.name, 'designed-churn');
    assert.deepEqual(spec.steps.map((s: { name: string }) => s.name), ['load', 'split', 'train']);
    assert.equal(spec.steps[1].inputs.data, '${{ steps.load.outputs.data }}');
    assert.equal(spec.steps[2].inputs.data, '${{ steps.split.outputs.train }}');
    assert.deepEqual(spec.steps[2].inputs.params, { n_estimators: 20 });

    // a file written by hand (comments, flow maps) opens as a canvas and gives back the same text; then the saved one
    await page.getByRole('button', { name: 'New' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length === 0);
    const example = join(ROOT, 'examples', 'pipelines', 'train.yaml');
    await page.getByLabel('open a pipeline file').setInputFiles(example);
    await page.locator('.react-flow__node[data-id="manifests"]').waitFor();
    assert.equal(await yaml.inputValue(), readFileSync(example, 'utf8'));
    assert.equal(await page.locator('.react-flow__node').count(), 7);
    assert.equal(await page.locator('.react-flow__edge.wait').count(), 1, "register's when: a dashed edge from the gate");
    await page.getByLabel('open a pipeline file').setInputFiles(savedPath);
    await page.locator('.react-flow__node[data-id="train"]').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length === 3);
    assert.equal(await yaml.inputValue(), saved);
    assert.equal(await page.locator('.react-flow__edge').count(), 2);
    await page.getByText('No problems: the pipeline compiles.').waitFor();

    await page.getByRole('button', { name: 'Run' }).click();
    await page.getByRole('heading', { name: /^designed-churn: FINISHED in/ }).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('.react-flow__node.step.succeeded').count(), 3);

    assert.deepEqual(dialogs, []);
    assert.deepEqual(foreign, [], 'no request left the server');
    assert.deepEqual(consoleErrors, [], 'no errors in the console');
  });
});
