import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cellValue } from '../src/core/table.ts';
import { readTable } from '../src/data/index.ts';
import { SIGNATURE_HEADER, verifyWebhookSignature, type MonitorReport, type PredictionLineage, type ReplayReport } from '../src/monitor/index.ts';
import { BIN, cliAsync, dropPgSchemas, pgTestUri, TELCO, tempHome } from './helpers.ts';

/** A webhook receiver on loopback. */
async function receiver(): Promise<{ url: string; got: { headers: IncomingMessage['headers']; body: string }[]; close: () => Promise<void> }> {
  const got: { headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, close: () => new Promise((r) => server.close(() => r())) };
}

/** Serve a model with two workers, send traffic (part of it from a shifted population), stop, and read what was monitored. */
async function serveAndSend(home: string, env: Record<string, string>, send: (port: number) => Promise<void>): Promise<void> {
  const child = spawn(process.execPath, [BIN, 'serve', 'churn', '--port', '0', '--workers', '2'], { env: { ...process.env, ...env, CAPSTAN_HOME: home } });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
      child.stdout.on('data', (d) => {
        out += d;
        const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (m && /2 worker processes/.test(out)) resolve(Number(m[1]));
      });
    });
    await send(port);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`monitoring from serve --workers 2 (${backend})`, () => {
    it('counts every request once whichever worker answered, finds the shifted features, and joins actuals into accuracy', async () => {
      const home = tempHome();
      const env: Record<string, string> = backend === 'postgres' ? { CAPSTAN_STORE_URI: pgTestUri() } : {};
      if (backend === 'postgres') await dropPgSchemas();
      const train = await cliAsync(['train', TELCO, '--target', 'churn', '--cv', '2', '--param', 'n_estimators=20', '--register', 'churn'], home, env);
      assert.equal(train.status, 0, train.stderr);
      const telco = await readTable(TELCO);
      const names = telco.columns.map((c) => c.name).filter((n) => n !== 'churn');
      const record = (r: number, shift: boolean) => Object.fromEntries(names.map((n) => {
        const v = cellValue(telco.columns.find((c) => c.name === n)!, r);
        if (shift && n === 'tenure') return [n, 60 + (r % 12)];
        if (shift && n === 'contract') return [n, 'Two year'];
        if (shift && n === 'monthly_charges') return [n, (v as number) + 40];
        return [n, v];
      }));
      const churn = telco.columns.find((c) => c.name === 'churn')!;
      const sent: { id: string; row: number; actual: string }[] = [];
      let requests = 0;
      await serveAndSend(home, env, async (port) => {
        const post = async (body: unknown) => {
          // a fresh connection per request, so both workers answer some
          const res = await fetch(`http://127.0.0.1:${port}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify(body) });
          requests++;
          await res.text();
          return res;
        };
        for (let r = 0; r < 300; r++) {
          const res = await post({ dataframe_records: [record(r, r >= 150)] });
          assert.equal(res.status, 200);
          sent.push({ id: res.headers.get('x-prediction-id')!, row: 0, actual: String(cellValue(churn, r)) });
        }
        const batch = await post({ dataframe_records: [record(400, false), record(401, false), record(402, false)] });
        assert.equal(batch.status, 200);
        sent.push(...[0, 1, 2].map((k) => ({ id: batch.headers.get('x-prediction-id')!, row: k, actual: String(cellValue(churn, 400 + k)) })));
        for (let k = 0; k < 4; k++) assert.equal((await post({ dataframe_records: [{ tenure: 'lots' }] })).status, 400);
      });

      const monitor = async () => {
        const m = await cliAsync(['monitor', 'churn', '--window', '1d', '--json'], home, env);
        assert.equal(m.status, 0, m.stderr);
        return JSON.parse(m.stdout) as MonitorReport;
      };
      const first = await monitor();
      assert.equal(first.versions.length, 1);
      const total = first.versions[0].total;
      assert.deepEqual([total.health.requests, total.health.rows, total.health.errors], [requests, 303, 4]);
      assert.ok(total.health.latencyMs.p99! > 0);
      for (const f of ['tenure', 'contract']) assert.ok(total.drift.drifted.includes(f), `${f} drifted: ${JSON.stringify(total.drift.drifted)}`);
      assert.ok(!total.drift.drifted.includes('female'));
      const tenure = total.drift.features.find((f) => f.name === 'tenure')!;
      assert.equal(tenure.test, 'ks');
      assert.ok(tenure.importance! > 0);
      assert.equal(total.predictionDrift?.status, 'tested');
      assert.equal(total.accuracy.labelled, 0);
      assert.equal(total.accuracy.pending, 303);

      const file = join(home, 'actuals.csv');
      writeFileSync(file, ['prediction_id,row,churn', ...sent.map((s) => `${s.id},${s.row},${s.actual}`), 'ffffffffffffffff,0,Yes'].join('\n') + '\n');
      const up = async () => {
        const r = await cliAsync(['actuals', 'upload', file, '--id-column', 'prediction_id', '--actual-column', 'churn', '--row-column', 'row', '--json'], home, env);
        assert.equal(r.status, 0, r.stderr);
        return JSON.parse(r.stdout) as { inserted: number; duplicates: number; unmatched: string[] };
      };
      assert.deepEqual(await up(), { rows: 304, inserted: 303, duplicates: 0, unmatched: ['ffffffffffffffff/0'] });
      assert.deepEqual(await up(), { rows: 304, inserted: 0, duplicates: 303, unmatched: ['ffffffffffffffff/0'] });
      const after = (await monitor()).versions[0].total.accuracy;
      assert.deepEqual([after.labelled, after.pending], [303, 0]);
      assert.ok(after.metrics.roc_auc > 0.6 && after.metrics.roc_auc <= 1, JSON.stringify(after.metrics));
      assert.equal(after.change?.metric, 'roc_auc');

      // alerts: a policy whose drift and accuracy rules fire, notified to a signed webhook on loopback (allowed explicitly)
      const hook = await receiver();
      try {
        const policy = (alerts: string, allow = true) => {
          const f = join(home, 'policy.yaml');
          writeFileSync(f, `model: churn\nwindow: 1d\nalerts:\n${alerts}notify:\n  - url: ${hook.url}\n    secretEnv: HOOK_SECRET\n    allowPrivate: ${allow}\n`);
          return f;
        };
        const apply = async (f: string) => {
          const r = await cliAsync(['policy', 'apply', f], home, env);
          assert.equal(r.status, 0, r.stderr);
        };
        await apply(policy('  - {name: drift, figure: drift.share, above: 0.05}\n  - {name: accuracy, figure: accuracy.drop, above: -1, minRows: 100}\n  - {name: errors, figure: error_rate, above: 0.5}\n'));
        const check = async () => {
          const r = await cliAsync(['alerts', 'check', '--json'], home, { ...env, HOOK_SECRET: 'hook-secret' });
          assert.equal(r.status, 0, r.stderr);
          return (JSON.parse(r.stdout) as { items: { rule: string; state: string; notified: { ok: boolean; error: string | null }[] }[] }).items;
        };
        const fired = await check();
        assert.deepEqual(fired.map((x) => [x.rule, x.state]), [['drift', 'firing'], ['accuracy', 'firing'], ['errors', 'ok']]);
        assert.ok(fired[0].notified[0].ok, JSON.stringify(fired[0].notified));
        assert.equal(hook.got.length, 2);
        const event = JSON.parse(hook.got[0].body) as { event: string; rule: string; alert: { id: string } };
        assert.deepEqual([event.event, event.rule], ['alert.firing', 'drift']);
        assert.equal(verifyWebhookSignature('hook-secret', hook.got[0].headers[SIGNATURE_HEADER] as string, hook.got[0].body), true);
        // still firing: nothing sent again
        assert.deepEqual((await check()).map((x) => x.state), ['still-firing', 'still-firing', 'ok']);
        assert.equal(hook.got.length, 2);
        const ack = await cliAsync(['alerts', 'ack', event.alert.id], home, env);
        assert.equal(ack.status, 0, ack.stderr);
        const listed = JSON.parse((await cliAsync(['alerts', 'list', '--model', 'churn', '--json'], home, env)).stdout) as { items: { rule: string; status: string }[] };
        assert.deepEqual(listed.items.map((a) => [a.rule, a.status]).sort(), [['accuracy', 'firing'], ['drift', 'acknowledged']]);
        // the next policy version raises the drift threshold: the alert resolves, and that is sent too
        await apply(policy('  - {name: drift, figure: drift.share, above: 0.99}\n'));
        assert.deepEqual((await check()).map((x) => [x.rule, x.state]), [['drift', 'resolved']]);
        assert.equal(JSON.parse(hook.got[2].body).event, 'alert.resolved');
        // the same webhook without allowPrivate is refused before anything is sent
        await apply(policy('  - {name: drift2, figure: drift.share, above: 0.05}\n', false));
        const refused = await check();
        assert.match(refused[0].notified[0].error!, /loopback address: refused/);
        assert.equal(hook.got.length, 3);
        const audit = await cliAsync(['models', 'audit', 'churn', '--json'], home, env);
        assert.equal(audit.status, 0, audit.stderr);
        for (const action of ['policy.apply', 'alert.firing', 'alert.acknowledged', 'alert.resolved']) assert.ok(audit.stdout.includes(`"${action}"`), action);
      } finally {
        await hook.close();
      }

      // a prediction's lineage, back to the data and forward to the alerts, in one call
      const lin = await cliAsync(['lineage', sent[0].id, '--json'], home, env);
      assert.equal(lin.status, 0, lin.stderr);
      const l = JSON.parse(lin.stdout) as PredictionLineage;
      assert.deepEqual([l.prediction.model, l.modelVersion?.version, l.actuals[0].actual], ['churn', 1, sent[0].actual]);
      assert.deepEqual(l.trainingRun?.steps.map((st) => st.name), ['load', 'train', 'register']);
      assert.ok(l.datasets.some((d) => d.name === 'telco_churn' && d.rows === 7043), JSON.stringify(l.datasets));
      assert.ok(l.alertsSince.some((a) => a.rule === 'drift'));
      const linText = await cliAsync(['lineage', sent[0].id], home, env);
      assert.match(linText.stdout, /<- dataset telco_churn v1/);
      assert.equal((await cliAsync(['lineage', 'nope'], home, env)).status, 1);

      // replay the logged window: the served version against itself agrees exactly; another version is compared on actuals
      const self = JSON.parse((await cliAsync(['replay', 'churn:1', '--since', '1d', '--json'], home, env)).stdout) as ReplayReport;
      assert.deepEqual([self.requests, self.rows, self.agreement, self.accuracy?.rows, self.accuracy?.delta], [301, 303, 1, 303, 0]);
      assert.ok(self.meanAbsDiff < 1e-12);
      const v2 = await cliAsync(['train', TELCO, '--target', 'churn', '--learner', 'linear', '--cv', '0', '--register', 'churn'], home, env);
      assert.equal(v2.status, 0, v2.stderr);
      const other = await cliAsync(['replay', 'churn:2', '--since', '1d', '--json'], home, env);
      assert.equal(other.status, 0, other.stderr);
      const o = JSON.parse(other.stdout) as ReplayReport;
      assert.ok(o.agreement! > 0.5 && o.agreement! < 1 && o.meanAbsDiff > 0, JSON.stringify(o));
      assert.ok(o.accuracy!.interval[0] <= o.accuracy!.delta && o.accuracy!.delta <= o.accuracy!.interval[1]);
      assert.match((await cliAsync(['replay', 'churn:2', '--since', '1d'], home, env)).stdout, /on 303 rows with actuals: roc_auc served/);

      // batch scoring: capstan predict logs the rows under the ids it writes, so their actuals join too
      const batchIn = join(home, 'batch.csv');
      const telcoLines = (await import('node:fs')).readFileSync(TELCO, 'utf8').trim().split('\n');
      writeFileSync(batchIn, telcoLines.slice(0, 21).join('\n') + '\n');
      const scoredFile = join(home, 'scored.csv');
      const pr = await cliAsync(['predict', '--model', 'churn:1', '--input', batchIn, '--output', scoredFile], home, env);
      assert.equal(pr.status, 0, pr.stderr);
      const scored = (await import('node:fs')).readFileSync(scoredFile, 'utf8').trim().split('\n');
      const idAt = scored[0].split(',').indexOf('prediction_id');
      const batchActuals = join(home, 'batch-actuals.csv');
      writeFileSync(batchActuals, ['prediction_id,churn', ...scored.slice(1).map((l, i) => `${l.split(',')[idAt]},${String(cellValue(churn, i))}`)].join('\n') + '\n');
      const joinedBatch = await cliAsync(['actuals', 'upload', batchActuals, '--id-column', 'prediction_id', '--actual-column', 'churn', '--json'], home, env);
      assert.deepEqual(JSON.parse(joinedBatch.stdout), { rows: 20, inserted: 20, duplicates: 0, unmatched: [] });

      const bad = await cliAsync(['monitor', 'churn', '--window', '90m'], home, env);
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /--window must be a number of hours or days/);
      const text = await cliAsync(['monitor', 'churn'], home, env);
      assert.equal(text.status, 0, text.stderr);
      assert.match(text.stdout, /version 1: \d+ requests, 323 rows/, "the served rows and the 20 batch-scored ones");
    });
  });
}
