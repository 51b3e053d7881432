import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { MonitorReport } from '../src/monitor/index.ts';
import { BIN, cliAsync, TELCO, tempHome } from './helpers.ts';

const row = { female: 1, senior_citizen: 0, partner: 1, dependents: 0, tenure: 1, phone_service: 0, multiple_lines: 'No phone service', internet_service: 'DSL', online_security: 'No', online_backup: 'Yes', device_protection: 'No', tech_support: 'No', streaming_tv: 'No', streaming_movies: 'No', contract: 'Month-to-month', paperless_billing: 1, payment_method: 'Electronic check', monthly_charges: 29.85, total_charges: 29.85 };

describe('humility rules', () => {
  it('flag unsure answers, replace answers for rows outside the training range, refuse unseen categories, on both protocols, counted in monitoring', async () => {
    const home = tempHome();
    assert.equal((await cliAsync(['train', TELCO, '--target', 'churn', '--cv', '0', '--param', 'n_estimators=20', '--register', 'churn'], home)).status, 0);
    const rules = join(home, 'rules.yaml');
    writeFileSync(rules, ['- name: unsure', '  when: {confidenceBelow: 0.999}', '  action: flag', '- name: too-long', '  when: {outsideRange: tenure}', '  action: majority', '- name: new-contract', '  when: {unseenCategory: contract}', '  action: refuse'].join('\n') + '\n');
    // rules are checked against the model: a feature it does not have is refused
    const wrong = join(home, 'wrong.yaml');
    writeFileSync(wrong, '- {name: x, when: {outsideRange: contract}, action: flag}\n');
    const bad = await cliAsync(['models', 'humility', 'churn:1', '--file', wrong], home);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /rules\[0\]\.when\.outsideRange: "contract" is not a numeric feature/);
    const set = await cliAsync(['models', 'humility', 'churn:1', '--file', rules], home);
    assert.equal(set.status, 0, set.stderr);
    // `majority` is the training rows' majority class, kept in the bundle ("No" in telco churn)
    const shown = await cliAsync(['models', 'humility', 'churn:1', '--json'], home);
    assert.deepEqual(JSON.parse(shown.stdout).rules.map((r: { action: unknown }) => r.action), ['flag', { replace: 'No' }, 'refuse']);

    const child = spawn(process.execPath, [BIN, 'serve', 'churn', '--port', '0'], { env: { ...process.env, CAPSTAN_HOME: home } });
    try {
      const port = await new Promise<number>((resolve) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
      });
      const post = (path: string, body: unknown) => fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const plain = await (await post('/invocations', { dataframe_records: [row] })).json();
      assert.deepEqual(plain.humility, [{ row: 0, rules: ['unsure'] }]);
      const long = await (await post('/invocations', { dataframe_records: [row, { ...row, tenure: 500 }] })).json();
      assert.equal(long.predictions[1], 'No');
      assert.deepEqual(long.probabilities[1], [1, 0]);
      const refused = await post('/invocations', { dataframe_records: [row, { ...row, contract: 'Ten year' }] });
      assert.equal(refused.status, 400);
      assert.match((await refused.json()).message, /humility rule "new-contract" refused row 1/);
      const v2 = await (await post('/v2/models/churn/infer', { inputs: Object.entries({ ...row, tenure: 900 }).map(([name, v]) => ({ name, datatype: typeof v === 'number' ? 'FP64' : 'BYTES', shape: [1], data: [v] })) })).json();
      assert.deepEqual(v2.outputs.find((o: { name: string }) => o.name === 'label').data, ['No']);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    const m = await cliAsync(['monitor', 'churn', '--json'], home);
    assert.equal(m.status, 0, m.stderr);
    const total = (JSON.parse(m.stdout) as MonitorReport).versions[0].total;
    assert.equal(total.humility['too-long'], 2);
    assert.ok(total.humility.unsure >= 1);
    assert.equal(total.health.errors, 1);
    // the refusing rule is counted too (on the rows it fired on), not only as a failed request
    assert.equal(total.humility['new-contract'], 1);
  });
});
