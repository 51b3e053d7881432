import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cellValue } from '../src/core/table.ts';
import { readTable } from '../src/data/index.ts';
import type { MonitorReport } from '../src/monitor/index.ts';
import { BIN, cliAsync, dropPgSchemas, pgTestUri, TELCO, tempHome } from './helpers.ts';

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

      const bad = await cliAsync(['monitor', 'churn', '--window', '90m'], home, env);
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /--window must be a number of hours or days/);
      const text = await cliAsync(['monitor', 'churn'], home, env);
      assert.equal(text.status, 0, text.stderr);
      assert.match(text.stdout, /version 1: \d+ requests, 303 rows/);
    });
  });
}
