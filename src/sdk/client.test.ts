import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ADMIN, startApi, type Api } from '../../test/api/harness.ts';
import { metadataStoreConformance } from '../store/conformance.ts';
import type { MetadataStore } from '../store/index.ts';
import { CapstanClient } from './client.ts';
import { numericColumn } from '../core/table.ts';
import { inferFeatures } from '../data/index.ts';
import { trainModel, type TabularModel } from '../learn/index.ts';
import { encodeBundle, putBundle } from '../registry/index.ts';

/** The SDK passes the same conformance suite as the local stores, through a real server on a real SQLite store. */
const servers: Api[] = [];
after(async () => {
  for (const a of servers) await a.close();
});

/** A small real model, fitted once: the server registers only bundles it can read in its artifact store. */
let tiny: Promise<TabularModel> | null = null;
function tinyModel(): Promise<TabularModel> {
  tiny ??= (async () => {
    const x = Float64Array.from({ length: 40 }, (_, i) => i);
    const table = { rows: 40, columns: [numericColumn('x', x)] };
    const y = Float64Array.from(x, (v) => (v >= 20 ? 1 : 0));
    return trainModel(table, y, { name: 'y', task: 'binary', classes: ['no', 'yes'] }, inferFeatures(table), { learner: 'linear', params: {}, seed: 0 });
  })();
  return tiny;
}

metadataStoreConformance(
  'SDK over REST',
  async () => {
    const api = await startApi();
    servers.push(api);
    return new CapstanClient(api.url, ADMIN);
  },
  {
    local: false,
    // written into the artifact store of the server just opened (as a client upload or a run would)
    bundle: async (name, key) => {
      const api = servers.at(-1)!;
      const source = `models/${name}/${key}-${Math.random().toString(36).slice(2, 8)}`;
      const digest = await putBundle(api.stores.artifacts, source, encodeBundle(await tinyModel(), { metrics: { auc: 0.9 }, training: null, lineage: {} }));
      return { source, digest };
    },
    as: async (s: MetadataStore, who) => {
      const client = s as CapstanClient;
      if (who.name === 'alice' && who.role === 'admin') return client;
      try {
        const { token } = await client.tokens.create({ name: who.name, role: who.role, actor: 'admin' });
        tokens.set(who.name, token);
      } catch (e) {
        if ((e as { code?: string }).code !== 'ALREADY_EXISTS') throw e;
      }
      return new CapstanClient(client.url, tokens.get(who.name)!);
    },
  },
);
const tokens = new Map<string, string>();

describe('SDK specifics', () => {
  it('errors keep their code across the wire; an unreachable server is UNAVAILABLE', async () => {
    const api = await startApi();
    servers.push(api);
    const c = new CapstanClient(api.url, ADMIN);
    await assert.rejects(c.runs.get('0123456789abcdef'), (e: { code?: string; message: string }) => e.code === 'NOT_FOUND' && /run 0123456789abcdef not found/.test(e.message));
    await assert.rejects(new CapstanClient(api.url, 'wrong').runs.search(), (e: { code?: string }) => e.code === 'UNAUTHENTICATED');
    await assert.rejects(new CapstanClient('http://127.0.0.1:1', ADMIN).runs.search(), (e: { code?: string }) => e.code === 'UNAVAILABLE');
    assert.deepEqual(await c.whoami(), { name: 'admin', role: 'admin' });
    const run = await c.runs.create({ experiment: 'sdk', name: 'r' });
    const entry = await c.uploadArtifact(run.id, 'plots/roc.json', '{"auc": 0.9}');
    assert.equal(entry.size, 12);
    const res = await fetch(`${api.url}/api/v1/runs/${run.id}/artifacts/plots/roc.json`, { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(await res.text(), '{"auc": 0.9}');
    assert.equal(res.headers.get('x-content-sha256'), entry.digest);
  });

  it('runs a pipeline on the server and follows it, typed by the API contract', async () => {
    const api = await startApi();
    servers.push(api);
    const c = new CapstanClient(api.url, ADMIN);
    const spec = { apiVersion: 'capstan.dev/v1' as const, kind: 'Pipeline' as const, name: 'sdk', steps: [{ name: 'a', component: 'capstan/noop', inputs: { value: 'x' } }, { name: 'b', command: ['sh', '-c', 'echo from-b'], outputs: {} }] };
    assert.deepEqual(await c.pipelines.lint(spec), []);
    assert.ok((await c.pipelines.components()).some((x) => x.name === 'capstan/train'));
    const runId = await c.pipelines.start(spec);
    const view = await c.pipelines.wait(runId, 50);
    assert.equal(view.status, 'FINISHED');
    assert.deepEqual(view.steps.map((st) => [st.step, st.status, st.cache]), [['a', 'SUCCEEDED', 'miss'], ['b', 'SUCCEEDED', 'miss']]);
    assert.match(await c.pipelines.log(runId, 'b'), /^from-b$/m);
    await assert.rejects(new CapstanClient(api.url, (await c.tokens.create({ name: 'm', role: 'member', actor: 'x' })).token).pipelines.start(spec), (e: { code?: string }) => e.code === 'PERMISSION_DENIED');
  });
});
