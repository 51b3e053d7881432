/**
 * The closed loop on telco churn, driven through the CLI and the server as a user would:
 *   1. train and register the champion, serve every registered model with `capstan server`;
 *   2. send traffic from a changed world (monthly charges up 30, and the customers who stayed now leave and the reverse),
 *      upload its actuals;
 *   3. one pass of the loop (`capstan alerts check`): the drift and accuracy alerts fire, the policy retrains on the labelled
 *      production rows, compares the challenger with the champion on held-out fresh rows, and starts a canary;
 *   4. more traffic through the canary, its actuals, another pass: the canary is promoted (--scenario promote: the world stays
 *      changed) or rolled back (--scenario rollback: the world changes back, the challenger is worse on the canary's rows).
 * Prints one JSON summary on stdout (progress on stderr).
 * Run: node --import tsx examples/closed-loop/run.ts [--scenario promote|rollback] [--home DIR]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cellValue } from '../../src/core/table.ts';
import { readTable } from '../../src/data/index.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'capstan.js');
const TELCO = join(ROOT, 'examples', 'telco-churn', 'telco_churn.csv');
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const scenario = arg('--scenario', 'promote');
if (scenario !== 'promote' && scenario !== 'rollback') throw new Error('--scenario must be promote or rollback');
const home = arg('--home', mkdtempSync(join(tmpdir(), 'capstan-closed-loop-')));
const env = { ...process.env, CAPSTAN_HOME: home };
const say = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

function capstan(...args: string[]): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`capstan ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

// the telco rows, as records
const table = await readTable(TELCO);
const rows = Array.from({ length: table.rows }, (_, r) => Object.fromEntries(table.columns.map((c) => [c.name, cellValue(c, r)])));
const features = table.columns.map((c) => c.name).filter((n) => n !== 'churn');
/** A customer of the changed world: charges up 30, and whether they leave is the opposite of what it was. */
const changed = (r: Record<string, unknown>) => ({ features: { ...Object.fromEntries(features.map((f) => [f, r[f]])), monthly_charges: (r.monthly_charges as number) + 30 }, actual: r.churn === 'Yes' ? 'No' : 'Yes' });
const original = (r: Record<string, unknown>) => ({ features: Object.fromEntries(features.map((f) => [f, r[f]])), actual: r.churn as string });

say(`[1] train and serve the champion (state in ${home})`);
capstan('train', TELCO, '--target', 'churn', '--cv', '2', '--register', 'churn');
// one person on a laptop approves their own model (audited as self-approval); the policy's applier approves the promotion
capstan('models', 'policy', 'churn', '--self-approval');
capstan('models', 'approve', 'churn:1', '--alias', 'champion', '--comment', 'the first model');
capstan('models', 'alias', 'churn:1', 'champion');
const server = spawn(process.execPath, [BIN, 'server', '--port', '0', '--alert-interval', '0', '--schedule-interval', '0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  server.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  server.stdout!.on('data', (d) => {
    out += d;
    const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
    if (m) resolve(m[1]);
  });
});
const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();

/** Send customers one request each (the canary splits requests); returns the ids and the truths to upload. */
async function send(customers: { features: Record<string, unknown>; actual: string }[]): Promise<{ id: string; actual: string; version: string }[]> {
  const sent: { id: string; actual: string; version: string }[] = [];
  for (let i = 0; i < customers.length; i += 8) {
    const batch = customers.slice(i, i + 8);
    const answers = await Promise.all(
      batch.map(async (c) => {
        const res = await fetch(`${url}/invocations?model=churn`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ dataframe_records: [c.features] }) });
        if (res.status !== 200) throw new Error(`invocations answered ${res.status}: ${await res.text()}`);
        await res.text();
        return { id: res.headers.get('x-prediction-id')!, actual: c.actual, version: res.headers.get('x-model-version')! };
      }),
    );
    sent.push(...answers);
  }
  return sent;
}

function upload(sent: { id: string; actual: string }[], file: string): unknown {
  writeFileSync(join(home, file), ['prediction_id,churn', ...sent.map((s) => `${s.id},${s.actual}`)].join('\n') + '\n');
  return JSON.parse(capstan('actuals', 'upload', join(home, file), '--id-column', 'prediction_id', '--actual-column', 'churn', '--json'));
}

try {
  say('[2] a changed world: traffic and its actuals');
  const policy = join(home, 'policy.yaml');
  writeFileSync(policy, readFileSync(join(import.meta.dirname, 'policy.yaml'), 'utf8'));
  capstan('policy', 'apply', policy);
  const first = await send(rows.slice(0, 1200).map(changed));
  const uploaded = upload(first, 'actuals-1.csv');
  // the prediction log is written within a fraction of a second, the monitoring windows within 5 s
  await new Promise((r) => setTimeout(r, 5500));

  say('[3] a pass of the loop: alerts, retraining, comparison, canary');
  const pass1 = JSON.parse(capstan('alerts', 'check', '--json'));
  say(capstan('monitor', 'churn', '--window', '1d'));

  say(`[4] traffic through the canary (${scenario === 'promote' ? 'the world stays changed' : 'the world changes back'}), actuals, another pass`);
  const canaryRows = rows.slice(1200, 1800).map(scenario === 'promote' ? changed : original);
  const second = await send(canaryRows);
  upload(second, 'actuals-2.csv');
  await new Promise((r) => setTimeout(r, 5500));
  const pass2 = JSON.parse(capstan('alerts', 'check', '--json'));
  const model = JSON.parse(capstan('models', 'show', 'churn', '--json'));
  const lineage = JSON.parse(capstan('lineage', first[0].id, '--json'));
  const audit = JSON.parse(capstan('models', 'audit', 'churn', '--json'));
  process.stdout.write(JSON.stringify({ scenario, home, uploaded, pass1, canaryVersions: [...new Set(second.map((s) => s.version))].sort(), pass2, model, lineage, audit: audit.items.map((e: { action: string; actor: string }) => `${e.actor} ${e.action}`) }) + '\n');
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
}
