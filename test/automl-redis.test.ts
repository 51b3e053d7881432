import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openMetadataStore } from '../src/store/index.ts';
import { BIN, cliAsync, TELCO, tempHome } from './helpers.ts';

// the Redis server the integration tests use (never skipped: a missing server fails these tests)
const REDIS = process.env.CAPSTAN_TEST_REDIS ?? 'redis://127.0.0.1:6379';

interface Worker {
  child: ChildProcess;
  log: string;
  /** resolves with the id of the first job it starts */
  firstJob: Promise<string>;
}

const workers: Worker[] = [];
after(() => {
  for (const w of workers) w.child.kill('SIGKILL');
});

async function startWorker(queue: string, home: string): Promise<Worker> {
  const child = spawn(process.execPath, [BIN, 'worker', '--redis', REDIS, '--queue', queue], { env: { ...process.env, CAPSTAN_HOME: home } });
  const w: Worker = { child, log: '', firstJob: null as unknown as Promise<string> };
  workers.push(w);
  let onJob: (id: string) => void = () => undefined;
  w.firstJob = new Promise((resolve) => (onJob = resolve));
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      w.log += d.toString();
      if (w.log.includes('listening on queue')) resolve();
      const m = /started automl\.fold (\S+)/.exec(w.log);
      if (m) onJob(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${w.log}`)));
  });
  return w;
}

interface Doc {
  leaderboard: { id: number; learner: string; status: string; note?: string }[];
  run_id: string;
}

describe('capstan automl --redis with capstan worker processes', () => {
  it('a worker killed in the middle of a candidate loses nothing: the job runs on the other worker, every candidate is recorded once', async () => {
    const queue = `t${process.pid}${Date.now()}`;
    const home = tempHome();
    const [a, b] = [await startWorker(queue, home), await startWorker(queue, home)];
    const run = cliAsync(['automl', TELCO, '--target', 'churn', '--trials', '6', '--cv', '3', '--learners', 'gbdt,forest', '--redis', REDIS, '--queue', queue, '--json'], home);
    // kill -9 the first worker the moment it takes a job (a telco fit takes far longer than the signal)
    const inHand = await Promise.race([a.firstJob.then((id) => ({ w: a, other: b, id })), b.firstJob.then((id) => ({ w: b, other: a, id }))]);
    inHand.w.child.kill('SIGKILL');
    const r = await run;
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!inHand.w.log.includes(`finished automl.fold ${inHand.id}`), 'the killed worker had not finished its job');
    assert.match(inHand.other.log, new RegExp(`finished automl\\.fold ${inHand.id}`), 'the job in hand was run again by the other worker');

    const d = JSON.parse(r.stdout) as Doc;
    assert.deepEqual(d.leaderboard.map((c) => c.id).sort(), [0, 1, 2, 3, 4, 5]);
    assert.ok(d.leaderboard.every((c) => c.status !== 'failed'), JSON.stringify(d.leaderboard));
    const s = await openMetadataStore(join(home, 'capstan.db'));
    try {
      const children = (await s.runs.search({ filter: `tags.capstan.parent_run = '${d.run_id}'`, limit: 100 })).items;
      assert.deepEqual(children.map((c) => c.name).sort(), d.leaderboard.map((c) => `${c.learner}-${c.id}`).sort());
      const parent = await s.runs.get(d.run_id);
      assert.equal(parent.params['distributed.workers'], '2');
    } finally {
      await s.close();
    }
  });

  it('no listening worker, or no Redis, is a clear error before anything is recorded', async () => {
    const home = tempHome();
    const none = await cliAsync(['automl', TELCO, '--target', 'churn', '--redis', REDIS, '--queue', `empty${process.pid}`], home);
    assert.equal(none.status, 1, none.stderr);
    assert.match(none.stderr, /no capstan worker listens on queue "empty\d+": start one or more with capstan worker --redis URL --queue empty\d+/);
    const down = await cliAsync(['automl', TELCO, '--target', 'churn', '--redis', 'redis://127.0.0.1:1'], home);
    assert.equal(down.status, 1, down.stderr);
    assert.match(down.stderr, /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    for (const [args, pattern] of [
      [['--redis', 'http://x'], /--redis must start with redis:\/\//],
      [['--redis', REDIS, '--queue', 'a b'], /--queue must be 1-64 letters/],
    ] as const) {
      const bad = await cliAsync(['automl', TELCO, '--target', 'churn', ...args], home);
      assert.equal(bad.status, 1, bad.stderr);
      assert.match(bad.stderr, pattern);
    }
    const s = await openMetadataStore(join(home, 'capstan.db'));
    try {
      assert.equal((await s.runs.search({ limit: 10 })).items.length, 0);
    } finally {
      await s.close();
    }
  });
});
