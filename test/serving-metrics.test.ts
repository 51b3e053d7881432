import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { describe, it } from 'node:test';
import { BIN, cli, TELCO, tempHome } from './helpers.ts';

describe('/metrics of serve --workers 2', () => {
  it('adds up every worker: the requests counted equal the requests sent, whichever worker answered', async () => {
    const home = tempHome();
    assert.equal(cli(['train', TELCO, '--target', 'churn', '--cv', '0', '--param', 'n_estimators=5', '--register', 'churn'], home).status, 0);
    const child = spawn(process.execPath, [BIN, 'serve', 'churn', '--port', '0', '--workers', '2', '--no-log'], { env: { ...process.env, CAPSTAN_HOME: home } });
    try {
      const port = await new Promise<number>((resolve) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
          if (m && /2 worker processes/.test(out)) resolve(Number(m[1]));
        });
      });
      const body = JSON.stringify({ dataframe_records: [{ female: 1, senior_citizen: 0, partner: 1, dependents: 0, tenure: 1, phone_service: 0, multiple_lines: 'No phone service', internet_service: 'DSL', online_security: 'No', online_backup: 'Yes', device_protection: 'No', tech_support: 'No', streaming_tv: 'No', streaming_movies: 'No', contract: 'Month-to-month', paperless_billing: 1, payment_method: 'Electronic check', monthly_charges: 29.85, total_charges: 29.85 }] });
      // a fresh connection per request, so both workers answer some
      const agent = new Agent({ keepAlive: false });
      const send = () => new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/invocations', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(body);
      });
      const statuses = await Promise.all(Array.from({ length: 120 }, send));
      assert.ok(statuses.every((s) => s === 200));
      for (let i = 0; i < 3; i++) {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const line = text.split('\n').find((l) => l.startsWith('capstan_requests_total{model="churn",version="1",protocol="mlflow",code="200"}'));
        assert.equal(Number(line?.split(' ').at(-1)), 120, text);
      }
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
