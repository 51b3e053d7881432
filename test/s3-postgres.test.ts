import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { localS3 } from './s3.ts';
import { BIN, cliAsync, dropPgSchemas, pgTestUri, TELCO, tempHome } from './helpers.ts';

/**
 * Scaled out by configuration: metadata on PostgreSQL, artifacts on an S3-protocol server (started here on a random port),
 * the CLI's train and register, then `capstan server` answering the registered model from what it reads out of S3.
 */
describe('capstan server with CAPSTAN_STORE_URI=postgres://... and CAPSTAN_ARTIFACT_URI=s3://...', () => {
  after(() => dropPgSchemas());

  it('trains, registers and serves the quickstart model with nothing on the local disk but the admin token', async () => {
    const home = tempHome();
    const { env: s3 } = await localS3('models');
    const env = { ...s3, CAPSTAN_STORE_URI: pgTestUri(), CAPSTAN_ARTIFACT_URI: 's3://models/capstan', CAPSTAN_ADMIN_TOKEN: 'test-admin-token-0123456789-abcdef-xyz' };
    const trained = await cliAsync(['train', TELCO, '--target', 'churn', '--cv', '0', '--param', 'n_estimators=10', '--register', 'churn', '--json'], home, env);
    assert.equal(trained.status, 0, trained.stderr);
    const doc = JSON.parse(trained.stdout) as { model: { path: string } };
    assert.match(doc.model.path, /^s3:\/\/models\/capstan\//, 'the bundle is in S3');
    const server = spawn(process.execPath, [BIN, 'server', '--port', '0'], { env: { ...process.env, CAPSTAN_HOME: home, ...env } });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout.on('data', (d) => {
          out += d;
          const m = /capstan server on (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]);
        });
        server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
      });
      const auth = { authorization: `Bearer ${env.CAPSTAN_ADMIN_TOKEN}`, 'content-type': 'application/json' };
      const row = { female: 1, senior_citizen: 0, partner: 1, dependents: 0, tenure: 1, phone_service: 0, multiple_lines: 'No phone service', internet_service: 'DSL', online_security: 'No', online_backup: 'Yes', device_protection: 'No', tech_support: 'No', streaming_tv: 'No', streaming_movies: 'No', contract: 'Month-to-month', paperless_billing: 1, payment_method: 'Electronic check', monthly_charges: 29.85, total_charges: 29.85 };
      const res = await fetch(`${url}/invocations?model=churn&version=1`, { method: 'POST', headers: auth, body: JSON.stringify({ dataframe_records: [row] }) });
      assert.equal(res.status, 200, await res.clone().text());
      assert.deepEqual(((await res.json()) as { predictions: string[] }).predictions.length, 1);
      // run artifacts go to S3 too, and come back through the API
      const runs = (await (await fetch(`${url}/api/v1/runs/search`, { method: 'POST', headers: auth, body: '{}' })).json()) as { items: { id: string }[] };
      const put = await fetch(`${url}/api/v1/runs/${runs.items[0].id}/artifacts/notes/readme.txt`, { method: 'PUT', headers: { authorization: auth.authorization }, body: 'hello from s3' });
      assert.equal(put.status, 201, await put.clone().text());
      const got = await fetch(`${url}/api/v1/runs/${runs.items[0].id}/artifacts/notes/readme.txt`, { headers: auth });
      assert.equal(await got.text(), 'hello from s3');
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
  });
});
