import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN, startApi, type Api } from './api/harness.ts';
import { cli, cliAsync, TELCO, tempHome, writeTemp } from './helpers.ts';

describe('capstan runs / models / tokens, local and --server', () => {
  const home = tempHome();
  let api: Api;
  before(async () => {
    const r = cli(['train', TELCO, '--target', 'churn', '--cv', '2', '--param', 'n_estimators=20', '--register', 'churn'], home);
    assert.equal(r.status, 0, r.stderr);
    // a server over the same store file the CLI just wrote
    api = await startApi(`sqlite:${join(home, 'capstan.db')}`, home);
  });
  after(() => api.close());
  // async: the server answering the child runs in this process
  const remote = (args: string[], token = ADMIN) => cliAsync([...args, '--server', api.url, '--token', token], home);

  it('four eyes: the author cannot approve, another approver can, then the protected alias moves; all in the audit log', async () => {
    const self = cli(['models', 'approve', 'churn:1', '--alias', 'production'], home);
    assert.equal(self.status, 1);
    assert.match(self.stderr, /cannot approve it: approvals must come from someone else/);
    const blocked = cli(['models', 'alias', 'churn:1', 'production'], home);
    assert.equal(blocked.status, 1);
    assert.match(blocked.stderr, /protected: churn:1 needs an approval/);

    const created = await remote(['tokens', 'create', '--name', 'ann', '--role', 'approver', '--json']);
    assert.equal(created.status, 0, created.stderr);
    const ann = (JSON.parse(created.stdout) as { token: string }).token;
    const approved = await remote(['models', 'approve', 'churn:1', '--alias', 'production', '--comment', 'holdout checked'], ann);
    assert.equal(approved.status, 0, approved.stderr);
    assert.match(approved.stdout, /ann approved churn:1 for production/);
    const moved = await remote(['models', 'alias', 'churn:1', 'production', '--reason', 'first release']);
    assert.equal(moved.status, 0, moved.stderr);

    const audit = JSON.parse(cli(['models', 'audit', 'churn', '--json'], home).stdout) as { items: { actor: string; action: string }[] };
    assert.deepEqual(audit.items.map((e) => `${e.actor} ${e.action}`).slice(-2), ['ann approval.create', 'admin alias.set']);
    const show = JSON.parse((await remote(['models', 'show', 'churn:1', '--json'])).stdout) as { aliases: string[]; lineage: { datasets: { role: string }[] } };
    assert.deepEqual(show.aliases, ['production']);
    assert.equal(show.lineage.datasets[0].role, 'training');
  });

  it('models card: a draft from the registry until one is stored; storing is audited and read back the same locally and remotely', async () => {
    const draft = cli(['models', 'card', 'churn:1'], home);
    assert.equal(draft.status, 0, draft.stderr);
    assert.match(draft.stderr, /churn:1 has no card yet; a draft follows .*capstan models card churn:1 --file card\.md/);
    assert.match(draft.stdout, /^# churn, version 1\n/);
    assert.match(draft.stdout, /\n## Training data\n- telco_churn v1 \(training\): 7043 rows, \d+ columns\n/);
    assert.match(draft.stdout, /\n## Inputs\n(- `[a-z_]+`: .*\n){19}\n/, 'one line per input feature');
    assert.match(draft.stdout, /\n## Evaluation\n- cv_roc_auc_mean: 0\.\d+\n/);

    const text = draft.stdout.replace('- TODO: who uses its answers, for which decisions', '- Retention team: whom to call first');
    const stored = await remote(['models', 'card', 'churn:1', '--file', writeTemp('card.md', text)]);
    assert.equal(stored.status, 0, stored.stderr);
    assert.match(stored.stdout, /^stored the card of churn:1 \(\d+ characters\)\n$/);
    const local = cli(['models', 'card', 'churn:1'], home);
    assert.deepEqual([local.stdout, local.stderr], [text, '']);
    const json = JSON.parse(cli(['models', 'card', 'churn:1', '--json'], home).stdout) as { card: { text: string; updatedBy: string }; draft: null };
    assert.deepEqual([json.card.text, json.card.updatedBy, json.draft], [text, 'admin', null]);
    const redraft = JSON.parse((await remote(['models', 'card', 'churn:1', '--draft', '--json'])).stdout) as { card: { text: string }; draft: string };
    assert.equal(redraft.card.text, text);
    assert.match(redraft.draft, /- TODO: who uses its answers/);
    const audit = JSON.parse(cli(['models', 'audit', 'churn', '--json'], home).stdout) as { items: { actor: string; action: string; entity: string }[] };
    assert.ok(audit.items.some((e) => e.actor === 'admin' && e.action === 'model_version.card'), JSON.stringify(audit.items.map((e) => e.action)));

    for (const [args, message] of [
      [['models', 'card', 'churn'], /NAME:VERSION/],
      [['models', 'card', 'churn:9'], /churn.*9.*not found|version 9/i],
      [['models', 'card', 'churn:1', '--file', '/nope/card.md'], /cannot read --file \/nope\/card\.md/],
    ] as const) {
      const r = cli([...args], home);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stdout}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    const viewer = JSON.parse((await remote(['tokens', 'create', '--name', 'vic', '--role', 'viewer', '--json'])).stdout) as { token: string };
    const refused = await remote(['models', 'card', 'churn:1', '--file', writeTemp('card2.md', 'x')], viewer.token);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /needs the member role; vic has viewer/);
  });

  it('roles are enforced for CLI calls through the server', async () => {
    const viewer = JSON.parse((await remote(['tokens', 'create', '--name', 'val', '--role', 'viewer', '--json'])).stdout) as { token: string };
    const r = await remote(['models', 'alias', 'churn:1', 'champion'], viewer.token);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /needs the member role; val has viewer/);
    const list = await remote(['models', 'list', '--json'], viewer.token);
    assert.equal(list.status, 0, list.stderr);
    assert.equal((JSON.parse(list.stdout) as { models: { name: string }[] }).models[0].name, 'churn');
    const bad = await remote(['runs', 'list'], 'cap_nope');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /missing or invalid token/);
  });

  it('runs list filters the same way locally and remotely; runs show has steps and datasets', async () => {
    const filter = "params.learner = 'gbdt' and metrics.cv_roc_auc_mean > 0.7";
    const local = JSON.parse(cli(['runs', 'list', '--filter', filter, '--json'], home).stdout) as { items: { id: string }[] };
    const viaServer = JSON.parse((await remote(['runs', 'list', '--filter', filter, '--json'])).stdout) as { items: { id: string }[] };
    assert.equal(local.items.length, 1);
    assert.deepEqual(viaServer.items.map((r) => r.id), local.items.map((r) => r.id));
    const shown = cli(['runs', 'show', local.items[0].id], home);
    assert.match(shown.stdout, /steps:\n {2}load: SUCCEEDED/);
    assert.match(shown.stdout, /training: telco_churn v1/);
    const bad = cli(['runs', 'list', '--filter', "params.x = 'unterminated"], home);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /unterminated string/);
  });

  it('the CLI speaks one way: tables and summaries for people, --json one document with NaN as the API writes it', async () => {
    const list = cli(['runs', 'list'], home).stdout;
    const [header, first] = list.split('\n');
    assert.match(header, /^RUN +EXPERIMENT +STATUS +STARTED +NAME +METRICS$/);
    // the experiment by name; the cross-validated mean first, not the last fold's score
    assert.match(first, /^[0-9a-f]+ +train +FINISHED +.* cv_roc_auc_mean=0\.\d{4} /);
    assert.doesNotMatch(first, /cv_roc_auc=/);
    const show = cli(['models', 'show', 'churn'], home).stdout;
    assert.match(show, /protected aliases: champion, production; self-approval not allowed/);
    assert.match(show, /traffic: no split: the champion alias answers the bare name/);
    assert.match(show, /\n1 +local:\S+ +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +production +cv_roc_auc_mean=0\.\d{4}/);
    const traffic = cli(['models', 'traffic', 'churn'], home);
    assert.equal(traffic.stdout, 'churn: no split: the champion alias answers the bare name\n');
    // one JSON printer: a NaN metric is the string "NaN" in every --json document
    const run = JSON.parse(cli(['runs', 'list', '--json', '--limit', '1'], home).stdout) as { items: { id: string }[] };
    await api.stores.metadata.runs.logBatch(run.items[0].id, { metrics: [{ key: 'odd', value: NaN, step: 0, timestamp: 1 }] });
    for (const args of [['runs', 'list', '--json'], ['runs', 'show', run.items[0].id, '--json']]) {
      const out = cli(args, home).stdout;
      assert.match(out, /"odd": "NaN"/, args.join(' '));
    }
  });
});
