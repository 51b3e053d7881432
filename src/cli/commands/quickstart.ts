import type { Command } from 'commander';
import { join } from 'node:path';
import { capstanHome } from '../../core/config.ts';
import { cellValue, type Table } from '../../core/table.ts';
import { DriftMonitor, type DriftReport } from '../../monitor/index.ts';
import { step, type Pipeline } from '../../pipeline/index.ts';
import { trainingPipeline } from '../../pipeline/builtin/training.ts';
import { loadModel } from '../../registry/index.ts';
import { datatypeOf } from '../../serve/index.ts';
import { adminToken, createApp, createAuthenticator, listen, RegistryModelProvider } from '../../server/index.ts';
import type { FeatureSpec } from '../../core/schema.ts';
import { SERVED_ALIAS, type ModelVersion, type Stores } from '../../store/index.ts';
import { CapstanError } from '../../core/errors.ts';
import { localActor, localPrincipal, PACKAGE_ROOT, parseIntOption, stores, trackedPipeline } from '../common.ts';
import { Output } from '../output.ts';
import { untilSignal } from '../serving.ts';
import type { Server } from 'node:http';

const MODEL = 'telco-churn';
const EXAMPLE = join(PACKAGE_ROOT, 'examples', 'telco-churn', 'telco_churn.csv');

/** V2 infer body for rows [from, to) of a table, in the model's input order. */
export function v2Body(table: Table, features: FeatureSpec[], from: number, to: number): { inputs: unknown[] } {
  return {
    inputs: features.map((f) => {
      const col = table.columns.find((c) => c.name === f.name)!;
      const data: unknown[] = [];
      for (let r = from; r < to; r++) data.push(cellValue(col, r));
      return { name: f.name, datatype: datatypeOf(f), shape: [to - from], data };
    }),
  };
}

function printDrift(out: Output, d: DriftReport): void {
  out.detail(`population stability index per feature (${d.rows} rows vs. the training profile in the bundle):`);
  for (const f of [...d.features].sort((a, b) => b.psi - a.psi)) out.detail(`  ${f.name.padEnd(20)} ${f.psi.toFixed(4)}  ${f.status}`);
  out.detail(d.drifted.length === 0 ? 'no feature moved (all PSI < 0.1)' : `features that moved: ${d.drifted.join(', ')}`);
}

async function sendRows(url: string, token: string, table: Table, features: FeatureSpec[]): Promise<{ rows: number; requests: number; ms: number }> {
  const t0 = performance.now();
  let requests = 0;
  for (let from = 0; from < table.rows; from += 200) {
    const to = Math.min(table.rows, from + 200);
    const res = await fetch(`${url}/v2/models/${MODEL}/infer`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(v2Body(table, features, from, to)),
    });
    if (res.status !== 200) throw new Error(`infer answered ${res.status}: ${await res.text()}`);
    await res.json();
    requests++;
  }
  return { rows: table.rows, requests, ms: performance.now() - t0 };
}

function quickstartPipeline(s: Stores, out: Output, serve: { port: number } | null, started: { server?: Server; token?: string; url?: string }): Pipeline {
  const training = trainingPipeline(s, {
    file: EXAMPLE,
    target: 'churn',
    task: 'auto',
    // early stopping on a validation share of the training rows (the test rows stay unseen until evaluation)
    spec: { learner: 'gbdt', params: { early_stopping: 1 }, seed: 0 },
    evaluation: { kind: 'holdout', testFraction: 0.2 },
    register: { name: MODEL, alias: SERVED_ALIAS, approve: true },
    datasetName: 'telco-churn',
    actor: localPrincipal(),
  });
  const steps = [...training.steps];
  if (serve) {
    steps.push(
      step({
        name: 'serve',
        title: 'start the server',
        inputs: { version: { from: 'register.version', type: 'model-version' } },
        outputs: { url: 'json' },
        run: async (_i, ctx) => {
          const auth = adminToken(capstanHome());
          const { server } = createApp({ models: new RegistryModelProvider(s), stores: s, authenticate: createAuthenticator(auth.token, s.metadata.tokens), log: (l) => process.stderr.write(l + '\n') });
          const port = await listen(server, serve.port, '127.0.0.1');
          const url = `http://127.0.0.1:${port}`;
          Object.assign(started, { server, token: auth.token, url });
          const ready = await fetch(`${url}/v2/models/${MODEL}/ready`, { headers: { authorization: `Bearer ${auth.token}` } });
          if (ready.status !== 200) throw new Error(`model did not become ready: ${ready.status}`);
          ctx.log(`listening on ${url} (KServe V2: /v2/health/live, /v2/health/ready, /v2/models/${MODEL}, /v2/models/${MODEL}/infer)`);
          ctx.log(auth.created ? `admin token (shown once, kept in ${auth.file}): ${auth.token}` : `admin token: in ${auth.file ?? '$CAPSTAN_ADMIN_TOKEN'}`);
          ctx.log(`authenticate: curl -H "Authorization: Bearer ${auth.file ? `$(cat ${auth.file})` : '$CAPSTAN_ADMIN_TOKEN'}" ${url}/api/v1/models  (more tokens: capstan tokens create --name NAME --role viewer)`);
          return { url };
        },
      }),
    );
  }
  steps.push(
    step({
      name: 'monitor',
      title: serve ? 'send the test rows through the server and check drift' : 'check drift of the test rows',
      inputs: { testTable: { from: 'evaluate.testTable', type: 'table' }, version: { from: 'register.version', type: 'model-version' }, ...(serve ? { url: { from: 'serve.url', type: 'json' as const } } : {}) },
      outputs: { drift: 'drift' },
      run: async (i, ctx) => {
        const table = i.testTable as Table;
        const v = i.version as ModelVersion;
        const loaded = await loadModel(s, `${v.name}:${v.version}`);
        let drift: DriftReport;
        if (serve) {
          const sent = await sendRows(started.url!, started.token!, table, loaded.manifest.signature.inputs);
          ctx.log(`${sent.rows} rows in ${sent.requests} V2 infer requests, ${(sent.ms / sent.requests).toFixed(1)} ms per request`);
          const res = await fetch(`${started.url}/api/v1/models/${MODEL}/drift`, { headers: { authorization: `Bearer ${started.token}` } });
          drift = (await res.json()) as DriftReport;
        } else {
          const monitor = new DriftMonitor(loaded.manifest.baseline);
          monitor.add(table);
          drift = monitor.report();
        }
        printDrift(out, drift);
        return { drift };
      },
    }),
  );
  return { name: 'quickstart', steps };
}

/**
 * The quickstart is one person on a laptop, who registers the model and must also approve it before it serves as champion:
 * the model it creates allows self-approval (audited as such), and says how to turn that off. A model that exists keeps its
 * policy, so someone who tightened it is not overruled.
 */
async function ensureQuickstartModel(s: Stores, out: Output): Promise<void> {
  try {
    await s.metadata.models.getModel(MODEL);
    return;
  } catch (e) {
    if (!(e instanceof CapstanError && e.code === 'NOT_FOUND')) throw e;
  }
  await s.metadata.models.createModel({ name: MODEL, description: 'telco churn, registered by capstan quickstart', actor: localActor() });
  await s.metadata.models.setPolicy(MODEL, { selfApproval: true }, localPrincipal());
  out.line(`model ${MODEL}: its policy lets its author approve their own versions (one local user); turn it off with capstan models policy ${MODEL} --no-self-approval`);
}

export function quickstartCommand(program: Command): void {
  program
    .command('quickstart')
    .description('the whole loop on the telco churn example: profile, split, train, evaluate, track, register, serve, monitor')
    .option('--port <n>', 'server port', '7707')
    .option('--no-serve', 'run in-process and exit instead of starting the server')
    .action(async (o: { port: string; serve: boolean }) => {
      const port = parseIntOption('--port', o.port, 0, 65535);
      const out = new Output(false);
      const t0 = performance.now();
      out.line(`Capstan quickstart: telco churn (IBM sample data), state in ${capstanHome()}`);
      const s = await stores();
      const started: { server?: Server; token?: string; url?: string } = {};
      try {
        await ensureQuickstartModel(s, out);
        const { runId, result } = await trackedPipeline(s, out, 'quickstart', quickstartPipeline(s, out, o.serve ? { port } : null, started));
        const v = result.outputs.get('register')!.version as ModelVersion;
        out.line(`\nrun ${runId}: ${MODEL} version ${v.version} registered and aliased champion in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        if (!started.server) return;
        const example = v2Body(result.outputs.get('evaluate')!.testTable as Table, (await loadModel(s, `${MODEL}:${v.version}`)).manifest.signature.inputs, 0, 1);
        const tokenRef = process.env.CAPSTAN_ADMIN_TOKEN ? '$CAPSTAN_ADMIN_TOKEN' : `$(cat ${join(capstanHome(), 'admin-token')})`;
        out.line(`\nThe server keeps running (Ctrl-C to stop). Try it:\n`);
        out.line(`curl -s -H "Authorization: Bearer ${tokenRef}" -H 'content-type: application/json' \\\n  -d '${JSON.stringify(example)}' \\\n  ${started.url}/v2/models/${MODEL}/infer`);
        await untilSignal(started.server, () => out.line('\nstopping: finishing in-flight requests'));
      } catch (e) {
        started.server?.close();
        throw e;
      } finally {
        await s.metadata.close();
      }
    });
}
