import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Agent, request } from 'node:http';
import { availableParallelism } from 'node:os';
import type { Server } from 'node:http';
import { describe, it } from 'node:test';
import { cellValue, takeRows } from '../src/core/table.ts';
import { readTable } from '../src/data/index.ts';
import { createApp, listen, RegistryModelProvider } from '../src/server/index.ts';
import { openStores } from '../src/store/index.ts';
import { approveChampion, BIN, cli, TELCO, tempHome } from './helpers.ts';

function post(agent: Agent, port: number, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function get(agent: Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

/** `capstan serve churn` on an ephemeral port of `home`'s store: the process, its port, and what it printed by then. */
async function serve(home: string, args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; port: number; out: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', 'churn', '--port', '0', ...args], { env: { ...process.env, CAPSTAN_HOME: home } });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  return { child, port, out };
}

async function records(rows: number[]): Promise<string> {
  const t = takeRows(await readTable(TELCO), rows);
  const cols = t.columns.filter((c) => c.name !== 'churn');
  return JSON.stringify({ dataframe_records: rows.map((_, r) => Object.fromEntries(cols.map((c) => [c.name, cellValue(c, r)]))) });
}

describe('serving lifecycle', () => {
  it('past the in-flight limit, prediction requests are shed with 503 and Retry-After at once; health stays up', async () => {
    const home = tempHome();
    assert.equal(cli(['train', TELCO, '--target', 'churn', '--cv', '0', '--param', 'n_estimators=5', '--register', 'churn'], home).status, 0);
    const stores = await openStores(home);
    await approveChampion(stores.metadata, 'churn', 1);
    const { server } = createApp({ models: new RegistryModelProvider(stores), stores, authenticate: null, maxInFlight: 2 });
    const port = await listen(server as Server, 0, '127.0.0.1');
    // two slow clients: headers sent, body held back
    const slow = [0, 1].map(() => {
      const req = request({ host: '127.0.0.1', port, path: '/invocations?model=churn', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': 100 } });
      req.on('error', () => undefined);
      req.on('response', (res) => res.resume());
      req.write('{"datafr');
      return req;
    });
    await new Promise((r) => setTimeout(r, 200));
    const agent = new Agent({ keepAlive: false });
    const shed = await new Promise<{ status: number; retry: string | undefined }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/v2/models/churn/infer', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': 2 } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, retry: res.headers['retry-after'] as string | undefined });
      });
      req.on('error', reject);
      req.end('{}');
    });
    assert.deepEqual(shed, { status: 503, retry: '1' });
    assert.equal(await get(agent, port, '/v2/health/live'), 200);
    for (const r of slow) r.destroy();
    await new Promise((r) => setTimeout(r, 100));
    // the slots are free again
    assert.equal((await post(agent, port, '/invocations?model=churn', await records([0]))).status, 200);
    agent.destroy();
    server.closeAllConnections();
    await new Promise((res) => server.close(res));
    await stores.metadata.close();
  });

  for (const workers of [1, 2])
  it(`SIGTERM with 200 requests in flight (${workers} worker process${workers > 1 ? 'es' : ''}): all 200 succeed and the process exits 0`, async () => {
    const home = tempHome();
    const r = cli(['train', TELCO, '--target', 'churn', '--cv', '0', '--register', 'churn'], home);
    assert.equal(r.status, 0, r.stderr);
    const { child, port } = await serve(home, ['--workers', String(workers)]);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // 200 open connections first, so every request below is in flight on an accepted connection
    const agent = new Agent({ keepAlive: true, maxSockets: 200 });
    await Promise.all(Array.from({ length: 200 }, () => get(agent, port, '/v2/health/live')));
    const body = await records(Array.from({ length: 400 }, (_, i) => i));
    const inFlight = Array.from({ length: 200 }, () => post(agent, port, '/invocations', body));
    await new Promise((res) => setTimeout(res, 30));
    child.kill('SIGTERM');
    const answers = await Promise.all(inFlight);
    assert.deepEqual(answers.map((a) => a.status).filter((s) => s !== 200), []);
    assert.ok(answers.every((a) => (JSON.parse(a.text) as { predictions: unknown[] }).predictions.length === 400));
    // a process that lingers after its requests (a worker held by its channel to the primary) fails here, not by hanging
    const code = await Promise.race([exited, new Promise((res) => setTimeout(() => res('still running after 20 s'), 20_000).unref())]);
    if (code !== 0) child.kill('SIGKILL');
    assert.equal(code, 0);
    agent.destroy();
    // the prediction log (written from its own thread) was flushed on the way out: one record per answer, ids as answered
    const stores = await openStores(home);
    const logged = (await stores.metadata.predictions.list({ model: 'churn', limit: 1000 })).items;
    await stores.metadata.close();
    assert.equal(logged.length, 200);
    assert.deepEqual(new Set(logged.map((p) => p.id)), new Set(answers.map((a) => (JSON.parse(a.text) as { prediction_id: string }).prediction_id)));
    assert.ok(logged.every((p) => p.rows === 400 && p.features.rows.length === 400));
  });

  it('by default a worker per available core, each warmed up before it listens; the warm-up is neither logged nor counted', async () => {
    const home = tempHome();
    assert.equal(cli(['train', TELCO, '--target', 'churn', '--cv', '0', '--param', 'n_estimators=5', '--register', 'churn'], home).status, 0);
    const { child, port, out } = await serve(home, []);
    // a failed check must not leave the server running (the test process would wait for it)
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const cores = availableParallelism();
      if (cores > 1) assert.match(out, new RegExp(`with ${cores} worker processes`));
      else assert.doesNotMatch(out, /worker processes/);
      const agent = new Agent({ keepAlive: false });
      const body = await records([0, 1]);
      for (let i = 0; i < 3; i++) assert.equal((await post(agent, port, '/invocations', body)).status, 200);
      const metrics = await new Promise<string>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/metrics', agent }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve(text));
        })
          .on('error', reject)
          .end();
      });
      const served = [...metrics.matchAll(/^capstan_requests_total\{[^}]*\} (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
      assert.equal(served, 3, metrics);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    const stores = await openStores(home);
    const logged = (await stores.metadata.predictions.list({ model: 'churn', limit: 1000 })).items;
    await stores.metadata.close();
    assert.equal(logged.length, 3);
  });

  it('a worker killed while serving stops the others and the primary, which says so and exits 1', async () => {
    const home = tempHome();
    assert.equal(cli(['train', TELCO, '--target', 'churn', '--cv', '0', '--param', 'n_estimators=5', '--register', 'churn'], home).status, 0);
    const child = spawn(process.execPath, [BIN, 'serve', 'churn', '--port', '0', '--workers', '2'], { env: { ...process.env, CAPSTAN_HOME: home } });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve) => child.stdout.on('data', (d) => (out += d) && /with 2 worker processes/.test(out) && resolve()));
    const workers = execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).trim().split('\n').map(Number);
    assert.equal(workers.length, 2);
    process.kill(workers[0], 'SIGKILL');
    const code = await Promise.race([exited, new Promise((res) => setTimeout(() => res('still running after 20 s'), 20_000).unref())]);
    if (code !== 1) child.kill('SIGKILL');
    assert.equal(code, 1, err);
    assert.match(err, /^capstan: a serving worker was ended by SIGKILL$/m);
    // the other worker went with it
    await new Promise((r) => setTimeout(r, 200));
    assert.throws(() => process.kill(workers[1], 0));
  });

  it('moving the alias 100 times under load fails no request; both versions answer', async () => {
    const home = tempHome();
    for (const n of ['20', '5']) assert.equal(cli(['train', TELCO, '--target', 'churn', '--cv', '0', '--param', `n_estimators=${n}`, '--register', 'churn'], home).status, 0);
    const stores = await openStores(home);
    await approveChampion(stores.metadata, 'churn', 2);
    await approveChampion(stores.metadata, 'churn', 1);
    const { server, drain } = createApp({ models: new RegistryModelProvider(stores), stores, authenticate: null });
    const port = await listen(server as Server, 0, '127.0.0.1');
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const body = await records([0, 1, 2]);
    let stop = false;
    const seen = new Map<string, number>();
    const failures: string[] = [];
    const client = async () => {
      while (!stop) {
        const a = await post(agent, port, '/v2/models/churn/infer', JSON.stringify({ inputs: Object.entries(JSON.parse(body).dataframe_records[0]).map(([name, v]) => ({ name, datatype: typeof v === 'string' ? 'BYTES' : 'FP64', shape: [1], data: [v] })) }));
        if (a.status !== 200) failures.push(`${a.status} ${a.text.slice(0, 200)}`);
        else {
          const v = (JSON.parse(a.text) as { model_version: string }).model_version;
          seen.set(v, (seen.get(v) ?? 0) + 1);
        }
      }
    };
    const clients = Array.from({ length: 8 }, client);
    const reviewer = { name: 'reviewer', role: 'approver' as const };
    for (let i = 0; i < 100; i++) {
      await stores.metadata.models.setAlias('churn', 'champion', (i % 2) + 1, reviewer);
      await new Promise((res) => setTimeout(res, 5));
    }
    stop = true;
    await Promise.all(clients);
    assert.deepEqual(failures, []);
    assert.deepEqual([...seen.keys()].sort(), ['1', '2']);
    // shutdown begins: readiness turns 503 at once
    assert.equal(await get(agent, port, '/v2/health/ready'), 200);
    drain();
    assert.equal(await get(agent, port, '/v2/health/ready'), 503);
    agent.destroy();
    server.closeAllConnections();
    await new Promise((res) => server.close(res));
    await stores.metadata.close();
  });
});
