import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { JobRejected, openWorkQueue, startWorker, type RunningWorker, type WorkQueue } from './index.ts';

// a real Redis server (never skipped: a missing server fails these tests)
const REDIS = process.env.CAPSTAN_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const name = `q${process.pid}${Date.now()}`;
const open: { close(): Promise<void> }[] = [];
after(async () => {
  for (const x of open.reverse()) await x.close();
});

describe('WorkQueue on BullMQ + Redis', () => {
  let q: WorkQueue;
  let w: RunningWorker;
  const runs = new Map<string, number>();

  it('runs jobs on a worker, once per id, with blobs the jobs refer to', async () => {
    q = await openWorkQueue(REDIS, name);
    open.push(q);
    assert.equal(await q.workers(), 0);
    w = await startWorker(REDIS, name, {
      add: async (data, ctx) => {
        runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1);
        const { a, b } = data as { a: number; b: number };
        return a + b + Number((await ctx.getBlob('offset')).toString());
      },
      refuse: async () => {
        throw new JobRejected('bad input');
      },
    });
    open.push(w);
    assert.equal(await q.workers(), 1);
    await q.putBlob('offset', Buffer.from('100'), 60);
    assert.deepEqual(await Promise.all([q.run('add', 'j1', { a: 1, b: 2 }, 10_000), q.run('add', 'j1', { a: 1, b: 2 }, 10_000), q.run('add', 'j2', { a: 5, b: 5 }, 10_000)]), [103, 103, 110]);
    // the same id again: its result, not a second run
    assert.equal(await q.run('add', 'j1', { a: 1, b: 2 }, 10_000), 103);
    assert.deepEqual([...runs.entries()].sort(), [['j1', 1], ['j2', 1]]);
  });

  it('a rejected job fails for good with its message; an unknown kind is refused; a missing blob is named', async () => {
    await assert.rejects(q.run('refuse', 'r1', {}, 10_000), /bad input/);
    await assert.rejects(q.run('nope', 'r2', {}, 10_000), /does not run jobs of kind "nope"/);
    await q.deleteBlob('offset');
    await assert.rejects(q.run('add', 'r3', { a: 1, b: 1 }, 10_000), /\(offset\) is gone/);
  });

  it('a job nobody finishes times out with a clear error', async () => {
    await w.close();
    open.splice(open.indexOf(w), 1);
    await assert.rejects(q.run('add', 't1', { a: 1, b: 1 }, 500), /no worker finished job t1 within 1 s/);
  });

  it('bad URLs and unreachable servers are clear errors', async () => {
    await assert.rejects(openWorkQueue('redis://127.0.0.1:1', name), /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    await assert.rejects(openWorkQueue('http://127.0.0.1', name), /must start with redis:\/\//);
    await assert.rejects(openWorkQueue(REDIS, 'a:b'), /--queue must be/);
  });
});
