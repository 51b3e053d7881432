import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Rng } from '../src/core/random.ts';
import { loadModel } from '../src/registry/index.ts';
import { createApp, listen, RegistryModelProvider } from '../src/server/index.ts';
import { openStores, type Stores } from '../src/store/index.ts';
import { approveChampion, cli, TELCO, tempHome } from './helpers.ts';

const PER_ROUTE = 10_000;
const ROUTES = ['/invocations?model=churn', '/v2/models/churn/infer', '/v2/models/churn/versions/1/infer'];

/** Malformed bodies of many kinds, seeded: broken JSON, wrong shapes and types, pollution attempts, odd numbers and text. */
function malformed(rng: Rng, good: Record<string, unknown>, v2good: Record<string, unknown>): string {
  const row = (good.dataframe_records as Record<string, unknown>[])[0];
  const names = Object.keys(row);
  const pick = <T>(a: T[]): T => a[rng.int(a.length)];
  const weird = () => pick<unknown>([null, true, -1, 1e308, -0, '', 'x'.repeat(rng.int(300)), '\u0000', '\ud800', [], {}, [[[]]], { __proto__: { polluted: 1 } }, 'NaN', '1e999', '__proto__']);
  const text = JSON.stringify(rng.next() < 0.5 ? good : v2good);
  switch (rng.int(14)) {
    case 0:
      return text.slice(0, rng.int(text.length)); // truncated
    case 1:
      return Buffer.from(Array.from({ length: rng.int(200) }, () => rng.int(256))).toString('latin1'); // random bytes
    case 2:
      return '{"__proto__": {"polluted": "yes"}, "dataframe_records": [{"__proto__": {"polluted": "yes"}}]}';
    case 3:
      return JSON.stringify({ constructor: { prototype: { polluted: 'yes' } }, inputs: [{ name: '__proto__', datatype: 'BYTES', shape: [1], data: ['x'] }] });
    case 4:
      return JSON.stringify({ dataframe_records: [{ ...row, [pick(names)]: weird() }] });
    case 5:
      return JSON.stringify({ dataframe_split: { columns: names, data: [names.map(() => weird())] } });
    case 6:
      return JSON.stringify({ inputs: Object.fromEntries(names.map((n) => [n, rng.next() < 0.5 ? [weird()] : weird()])) });
    case 7:
      return '['.repeat(1 + rng.int(5000)) + ']'.repeat(rng.int(5000));
    case 8:
      return JSON.stringify({ inputs: [{ name: pick(names), datatype: pick(['FP64', 'BYTES', 'INT64', 'BOOL', 'X']), shape: [rng.int(3) - 1, rng.int(3)], data: [weird(), weird()] }] });
    case 9:
      return JSON.stringify({ inputs: (v2good.inputs as Record<string, unknown>[]).map((t) => (rng.next() < 0.3 ? { ...t, shape: [2] } : rng.next() < 0.3 ? { ...t, data: [weird()] } : t)) });
    case 10:
      return JSON.stringify({ instances: rng.next() < 0.5 ? weird() : [weird()] });
    case 11:
      return JSON.stringify({ dataframe_records: Array.from({ length: 2 }, () => Object.fromEntries(names.filter(() => rng.next() < 0.9).map((n) => [n, row[n]]))) });
    case 12:
      return JSON.stringify(weird());
    default:
      return JSON.stringify({ [pick(['dataframe_records', 'inputs', 'instances', 'dataframe_split', 'params', 'id', 'outputs'])]: weird(), [pick(['dataframe_records', 'params', 'extra'])]: weird() });
  }
}

describe('inference routes under 10 000 malformed bodies each', () => {
  const home = tempHome();
  let stores: Stores;
  let server: Server;
  let port: number;
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });

  before(async () => {
    const r = cli(['train', TELCO, '--target', 'churn', '--cv', '0', '--param', 'n_estimators=20', '--register', 'churn'], home);
    assert.equal(r.status, 0, r.stderr);
    stores = await openStores(home);
    await approveChampion(stores.metadata, 'churn', 1);
    ({ server } = createApp({ models: new RegistryModelProvider(stores), stores, authenticate: null }));
    port = await listen(server, 0, '127.0.0.1');
  });
  after(async () => {
    agent.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await stores.metadata.close();
  });

  const post = (path: string, body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });

  it('answers every one with a 4xx, stays up, keeps its memory and leaves Object.prototype alone', async () => {
    const loaded = await loadModel(stores, 'churn');
    const row = { female: 1, senior_citizen: 0, partner: 1, dependents: 0, tenure: 1, phone_service: 0, multiple_lines: 'No phone service', internet_service: 'DSL', online_security: 'No', online_backup: 'Yes', device_protection: 'No', tech_support: 'No', streaming_tv: 'No', streaming_movies: 'No', contract: 'Month-to-month', paperless_billing: 1, payment_method: 'Electronic check', monthly_charges: 29.85, total_charges: 29.85 };
    const good = { dataframe_records: [row] };
    const v2good = { inputs: loaded.manifest.signature.inputs.map((f) => ({ name: f.name, datatype: f.kind === 'categorical' ? 'BYTES' : 'FP64', shape: [1], data: [row[f.name as keyof typeof row]] })) };
    assert.equal(await post(ROUTES[0], JSON.stringify(good)), 200);
    assert.equal(await post(ROUTES[1], JSON.stringify(v2good)), 200);
    const baseline = process.memoryUsage().rss;
    const rng = new Rng(7);
    const statuses = new Map<number, number>();
    for (const route of ROUTES) {
      const bodies = Array.from({ length: PER_ROUTE }, () => malformed(rng, good, v2good));
      for (let i = 0; i < bodies.length; i += 16) {
        const codes = await Promise.all(bodies.slice(i, i + 16).map((b) => post(route, b)));
        codes.forEach((c, k) => {
          statuses.set(c, (statuses.get(c) ?? 0) + 1);
          // a body that happens to be valid may answer 200; everything else must be a client error, never a 5xx
          if (c >= 500 || c < 200 || (c >= 200 && c < 400 && !isValid(bodies[i + k]))) assert.fail(`${route} answered ${c} to ${bodies[i + k].slice(0, 200)}`);
        });
      }
    }
    assert.ok([...statuses.keys()].every((c) => c === 200 || (c >= 400 && c < 500)), JSON.stringify([...statuses]));
    assert.ok((statuses.get(400) ?? 0) > 2.5 * PER_ROUTE, JSON.stringify([...statuses]));
    // still up and answering correctly
    assert.equal(await post(ROUTES[0], JSON.stringify(good)), 200);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.keys(Object.prototype).length, 0);
    const grown = (process.memoryUsage().rss - baseline) / 2 ** 20;
    assert.ok(grown < 150, `RSS grew by ${grown.toFixed(0)} MiB`);
  });
});

/** Bodies the fuzzer may produce by chance that are in fact well-formed requests (a 200 is then right). */
function isValid(body: string): boolean {
  try {
    const v = JSON.parse(body) as Record<string, unknown>;
    return typeof v === 'object' && v !== null && ('dataframe_records' in v || 'inputs' in v || 'dataframe_split' in v || 'instances' in v);
  } catch {
    return false;
  }
}
