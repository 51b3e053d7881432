import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStores } from '../src/store/index.ts';
import { BIN, cliAsync, dropPgSchemas, pgTestUri, ROOT, tempHome } from './helpers.ts';

/*
 * Schedules: stored in the metadata store and fired by `capstan server`. Two servers share one PostgreSQL store and look for
 * due schedules every second: a due schedule fires exactly once, and its next time moves past now (missed times fire once).
 */

const TOKEN = 'schedule-test-admin-token-0123456789abcdef';
const servers: ChildProcess[] = [];
after(async () => {
  for (const c of servers) c.kill('SIGKILL');
  await dropPgSchemas();
});

function startServer(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'server', '--port', '0', '--schedule-interval', '1'], { env: { ...process.env, ...env, CAPSTAN_HOME: tempHome(), CAPSTAN_ADMIN_TOKEN: TOKEN } });
  servers.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('capstan server on')) resolve(child);
    });
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
}

describe('pipeline schedules', () => {
  it('a due schedule fires exactly once across two servers, then waits for its next time', async () => {
    const uri = pgTestUri();
    const home = tempHome();
    const env = { CAPSTAN_STORE_URI: uri };
    // the schedule, made with the CLI against the shared store
    const made = await cliAsync(['pipeline', 'schedule', join(ROOT, 'examples', 'pipelines', 'learners.yaml'), '--cron', '0 3 * * *', '--name', 'nightly'], home, env);
    assert.equal(made.status, 0, made.stderr);
    assert.match(made.stdout, /schedule nightly: 0 3 \* \* \*, next at \d{4}-\d\d-\d\dT03:00:00\.000Z/);
    const bad = await cliAsync(['pipeline', 'schedule', join(ROOT, 'examples', 'pipelines', 'learners.yaml'), '--cron', '61 * * * *'], home, env);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /cron "61 \* \* \* \*": .*0-59/);

    const stores = await openStores(home, uri);
    try {
      const spec = { apiVersion: 'capstan.dev/v1', kind: 'Pipeline', name: 'ticking', params: { v: { type: 'number', default: 1 } }, steps: [{ name: 'a', component: 'capstan/noop', inputs: { value: '${{ params.v }}' }, cache: false }] };
      // due a while ago: missed times fire once, not one by one
      await stores.metadata.schedules.put({ name: 'ticking', spec, cron: '0 * * * *', params: { v: '5' }, nextAt: Date.now() - 3 * 3_600_000, actor: 'test' });
      await Promise.all([startServer(env), startServer(env)]);
      let runs: { id: string; status: string }[] = [];
      for (let i = 0; i < 100; i++) {
        await new Promise((r) => setTimeout(r, 100));
        runs = (await stores.metadata.runs.search({ filter: "tags.capstan.pipeline = 'ticking'" })).items;
        if (runs.length > 0 && runs.every((r) => r.status !== 'RUNNING')) break;
      }
      // more ticks of both servers: nothing more fires before the next hour
      await new Promise((r) => setTimeout(r, 2500));
      runs = (await stores.metadata.runs.search({ filter: "tags.capstan.pipeline = 'ticking'" })).items;
      assert.equal(runs.length, 1);
      assert.equal(runs[0].status, 'FINISHED');
      const s = await stores.metadata.schedules.get('ticking');
      assert.equal(s.lastRunId, runs[0].id);
      assert.ok(s.nextAt > Date.now() && s.nextAt <= Date.now() + 3_600_000, new Date(s.nextAt).toISOString());
      assert.equal((await stores.metadata.runs.get(runs[0].id)).params.v, '5');
    } finally {
      await stores.metadata.close();
    }
    const list = await cliAsync(['pipeline', 'schedules'], home, env);
    assert.match(list.stdout, /nightly\s+0 3 \* \* \*/);
    assert.match(list.stdout, /ticking\s+0 \* \* \* \*/);
    const removed = await cliAsync(['pipeline', 'unschedule', 'nightly'], home, env);
    assert.equal(removed.status, 0, removed.stderr);
  });
});
