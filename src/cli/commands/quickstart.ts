import type { Command } from 'commander';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capstanHome } from '../../core/config.ts';
import { cellValue, type Table } from '../../core/table.ts';
import { WindowCounter, windowReport } from '../../monitor/index.ts';
import type { DatasetDriftResult } from '../../stats/index.ts';
import { predictTable } from '../../learn/index.ts';
import type { FileRef } from '../../pipeline/components/component.ts';
import type { PipelineSpec } from '../../pipeline/define/schema.ts';
import { loadModel } from '../../registry/index.ts';
import { datatypeOf } from '../../serve/index.ts';
import { adminToken, createApp, createAuthenticator, listen, RegistryModelProvider } from '../../server/index.ts';
import type { FeatureSpec } from '../../core/schema.ts';
import { readBlob, SERVED_ALIAS, type Stores } from '../../store/index.ts';
import { CapstanError } from '../../core/errors.ts';
import { localActor, localPrincipal, outputsOf, PACKAGE_ROOT, parseIntOption, runStages, stores } from '../common.ts';
import { Output } from '../output.ts';
import { untilSignal } from '../serving.ts';
import type { HttpServer } from '../../server/index.ts';

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

function printDrift(out: Output, rows: number, d: DatasetDriftResult): void {
  out.detail(`drift per feature (${rows} rows vs. the training baseline in the bundle; test chosen by kind and sample size):`);
  const tested = d.features.filter((f) => f.statistic !== null).sort((a, b) => (b.importance ?? 0) - (a.importance ?? 0));
  for (const f of tested) out.detail(`  ${f.name.padEnd(20)} ${f.test!.padEnd(14)} ${f.pValue !== null ? `p ${f.pValue.toPrecision(3)}` : f.statistic!.toFixed(4)}  ${f.drifted ? 'DRIFT' : 'stable'}${f.importance !== undefined ? `  (importance ${f.importance.toFixed(2)})` : ''}`);
  out.detail(d.drifted.length === 0 ? 'no feature moved' : `features that moved, most important first: ${d.drifted.join(', ')}`);
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

/** The quickstart's pipeline: load -> split -> train (scored on the test rows) -> register -> alias champion, approved. */
async function quickstartSpec(): Promise<PipelineSpec> {
  const { PipelineBuilder, components } = await import('../../pipeline/index.ts');
  const b = new PipelineBuilder('quickstart', { description: 'telco churn: the quickstart of capstan' });
  const load = b.step('load', components.load, { path: EXAMPLE, name: MODEL, role: 'training' });
  const split = b.step('split', components.split, { data: load.outputs.data, testFraction: 0.2, seed: 0, stratify: 'churn' });
  // early stopping on a validation share of the training rows (the test rows stay unseen until evaluation)
  const fit = b.step('train', components.train, { data: split.outputs.train, test: split.outputs.test, target: 'churn', learner: 'gbdt', params: { early_stopping: 1 }, seed: 0, dataset: load.outputs.dataset });
  const reg = b.step('register', components.register, { model: fit.outputs.model, name: MODEL });
  b.step('champion', components.setAlias, { name: MODEL, alias: SERVED_ALIAS, version: reg.outputs.version, approve: true, reason: 'registered by the quickstart' });
  return b.toSpec();
}

const TITLES = { load: 'load data (register the dataset version, profile it)', split: 'split train/test', train: 'train gbdt, evaluate on the test rows', register: 'register the model', champion: `approve it and alias it ${SERVED_ALIAS}` };

/** A file output of a step as a table (the test rows the quickstart sends to its server). */
async function tableOfBlob(s: Stores, ref: FileRef): Promise<Table> {
  const { readTable } = await import('../../data/index.ts');
  const dir = await mkdtemp(join(tmpdir(), 'capstan-quickstart-'));
  try {
    const path = join(dir, ref.name ?? 'rows.csv');
    await writeFile(path, await readBlob(s.artifacts, ref.blob));
    return await readTable(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function startServer(s: Stores, out: Output, port: number): Promise<{ server: HttpServer; token: string; url: string }> {
  const auth = adminToken(capstanHome());
  const { server } = createApp({ models: new RegistryModelProvider(s), stores: s, authenticate: createAuthenticator(auth.token, s.metadata.tokens), log: (l) => process.stderr.write(l + '\n') });
  const bound = await listen(server, port, '127.0.0.1');
  const url = `http://127.0.0.1:${bound}`;
  const ready = await fetch(`${url}/v2/models/${MODEL}/ready`, { headers: { authorization: `Bearer ${auth.token}` } });
  if (ready.status !== 200) {
    server.close();
    throw new CapstanError('UNAVAILABLE', `model did not become ready: ${ready.status}`);
  }
  out.detail(`listening on ${url} (KServe V2: /v2/health/live, /v2/health/ready, /v2/models/${MODEL}, /v2/models/${MODEL}/infer)`);
  out.detail(auth.created ? `admin token (shown once, kept in ${auth.file}): ${auth.token}` : `admin token: in ${auth.file ?? '$CAPSTAN_ADMIN_TOKEN'}`);
  out.detail(`authenticate: curl -H "Authorization: Bearer ${auth.file ? `$(cat ${auth.file})` : '$CAPSTAN_ADMIN_TOKEN'}" ${url}/api/v1/models  (more tokens: capstan tokens create --name NAME --role viewer)`);
  return { server, token: auth.token, url };
}

/** Send the test rows through the server (or, without one, through the monitor in this process) and print the drift. */
async function monitor(s: Stores, out: Output, version: number, test: Table, served: { token: string; url: string } | null): Promise<void> {
  const loaded = await loadModel(s, `${MODEL}:${version}`);
  let drift: DatasetDriftResult;
  let rows = test.rows;
  if (served) {
    const sent = await sendRows(served.url, served.token, test, loaded.manifest.signature.inputs);
    out.detail(`${sent.rows} rows in ${sent.requests} V2 infer requests, ${(sent.ms / sent.requests).toFixed(1)} ms per request`);
    const res = await fetch(`${served.url}/api/v1/models/${MODEL}/drift`, { headers: { authorization: `Bearer ${served.token}` } });
    const live = (await res.json()) as DatasetDriftResult & { rows: number };
    drift = live;
    rows = live.rows;
  } else {
    // the serving path's counting and report, in this process
    const m = loaded.manifest;
    const counter = new WindowCounter(m.baseline, m.signature.inputs, m.outputBaseline, m.target);
    const w = counter.window();
    counter.addRows(w, test, loaded.model ? predictTable(loaded.model, test) : null);
    drift = windowReport(m, w.stats(), [], { start: 0, end: Date.now() }).drift;
  }
  printDrift(out, rows, drift);
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
      let server: HttpServer | undefined;
      try {
        await ensureQuickstartModel(s, out);
        const result = await runStages(s, out, await quickstartSpec(), { experiment: 'quickstart', titles: TITLES, stagesAfter: o.serve ? 2 : 1 });
        const { components } = await import('../../pipeline/index.ts');
        const { version } = outputsOf(result, 'register', components.register);
        const test = await tableOfBlob(s, outputsOf(result, 'split', components.split).test);
        const stages = result.steps.length + (o.serve ? 2 : 1);
        let served: { server: HttpServer; token: string; url: string } | null = null;
        if (o.serve) {
          out.stage(result.steps.length, stages, 'start the server');
          served = await startServer(s, out, port);
          server = served.server;
        }
        out.stage(stages - 1, stages, served ? 'send the test rows through the server and check drift' : 'check drift of the test rows');
        await monitor(s, out, version, test, served);
        out.line(`\nrun ${result.runId}: ${MODEL} version ${version} registered and aliased champion in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        if (!served) return;
        const example = v2Body(test, (await loadModel(s, `${MODEL}:${version}`)).manifest.signature.inputs, 0, 1);
        const tokenRef = process.env.CAPSTAN_ADMIN_TOKEN ? '$CAPSTAN_ADMIN_TOKEN' : `$(cat ${join(capstanHome(), 'admin-token')})`;
        out.line(`\nThe server keeps running (Ctrl-C to stop). Try it:\n`);
        out.line(`curl -s -H "Authorization: Bearer ${tokenRef}" -H 'content-type: application/json' \\\n  -d '${JSON.stringify(example)}' \\\n  ${served.url}/v2/models/${MODEL}/infer`);
        await untilSignal(served.server, () => out.line('\nstopping: finishing in-flight requests'));
      } catch (e) {
        server?.close();
        throw e;
      } finally {
        await s.metadata.close();
      }
    });
}
