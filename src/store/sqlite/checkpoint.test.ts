import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SqliteDriver } from './driver.ts';

/** A new database file with one table `t (x TEXT)`, and its driver. */
async function freshDb(): Promise<{ path: string; d: SqliteDriver }> {
  const path = join(mkdtempSync(join(tmpdir(), 'capstan-ckpt-')), 'x.db');
  const d = new SqliteDriver(path);
  await d.run('CREATE TABLE t (x TEXT)');
  return { path, d };
}

/** ~6 MB in one transaction: past the 1000 pages (4 MB) at which SQLite would checkpoint inside the commit. */
function write6Mb(d: SqliteDriver): Promise<void> {
  return d.tx(async (q) => {
    for (let i = 0; i < 1500; i++) await q.run('INSERT INTO t VALUES (?)', ['x'.repeat(4000)]);
  });
}

/** Wait (up to `ms`) until the database file is at least `bytes` long: a checkpoint has copied the WAL into it. */
async function untilFileSize(path: string, bytes: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (statSync(path).size < bytes && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

describe('SQLite checkpoints aside', () => {
  it('a write never checkpoints on the writing thread; the checkpoint thread copies the WAL into the database', async () => {
    const { path, d } = await freshDb();
    const aside = d.checkpointAside(50);
    const before = statSync(path).size;
    await write6Mb(d);
    assert.ok(statSync(path).size < before + (1 << 20), 'the commit itself copied the WAL into the database');
    await untilFileSize(path, before + (5 << 20), 5000);
    assert.ok(statSync(path).size >= before + (5 << 20), `the database file holds the rows after the checkpoint thread ran (${statSync(path).size} bytes)`);
    await aside.stop();
    assert.equal((await d.get<{ n: number }>('SELECT count(*) AS n FROM t'))!.n, 1500);
    await d.close();
  });

  it('keeps the WAL bounded while writes never stop (each checkpoint lets the next writer start the WAL over)', async () => {
    const { path, d } = await freshDb();
    const aside = d.checkpointAside(50);
    // the thread has started once a row is in the database file; the WAL that grew meanwhile is cut back (the WAL file
    // keeps its largest size)
    const before = statSync(path).size;
    await d.run('INSERT INTO t VALUES (?)', ['x'.repeat(40_000)]);
    await untilFileSize(path, before + 1, 10_000);
    await d.run('PRAGMA wal_checkpoint(TRUNCATE)');
    // then as the serving prediction log writes: commits without fsync, failing at once when the database is busy
    await d.run('PRAGMA synchronous = NORMAL');
    await d.run('PRAGMA busy_timeout = 0');
    // a batch every few milliseconds, as the prediction log writes under load: 20 MB in all, retried when the checkpoint
    // holds writers off. A WAL that never starts over (PASSIVE checkpoints) grows past the 20 MB written; here each
    // checkpoint, 50 ms apart, lets it start over, so it stays near what 50 ms of writes add (about 1 MB; a loaded machine
    // may delay the thread: half of all that is written is the bound)
    let largest = 0;
    for (let i = 0; i < 500; i++) {
      for (;;) {
        try {
          await d.run('INSERT INTO t VALUES (?)', ['x'.repeat(40_000)]);
          break;
        } catch (e) {
          if ((e as { code?: string }).code !== 'SQLITE_BUSY') throw e;
          await new Promise((r) => setTimeout(r, 2));
        }
      }
      largest = Math.max(largest, statSync(`${path}-wal`).size);
      await new Promise((r) => setTimeout(r, 2));
    }
    await aside.stop();
    assert.equal((await d.get<{ n: number }>('SELECT count(*) AS n FROM t'))!.n, 501);
    assert.ok(largest < 10 << 20, `the WAL grew to ${largest} bytes while 20 MB were written`);
    await d.close();
  });

  it('serving connections of several processes: one checkpoints for all, the others never checkpoint', async () => {
    const { path, d: first } = await freshDb();
    const other = new SqliteDriver(path);
    const quiet = other.forServingWrites({ checkpoints: false });
    assert.equal((await other.get<{ wal_autocheckpoint: number }>('PRAGMA wal_autocheckpoint'))!.wal_autocheckpoint, 0);
    const before = statSync(path).size;
    // from the quiet one
    await write6Mb(other);
    // longer than a checkpoint thread takes to start and run its first round (500 ms)
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(statSync(path).size < before + (1 << 20), 'the connection without checkpoints copied the WAL into the database');
    const checkpointing = first.checkpointAside(50);
    await untilFileSize(path, before + (5 << 20), 10_000);
    assert.ok(statSync(path).size >= before + (5 << 20), `the other connection's thread checkpointed the rows (${statSync(path).size} bytes)`);
    await checkpointing.stop();
    await quiet.stop();
    assert.equal((await first.get<{ n: number }>('SELECT count(*) AS n FROM t'))!.n, 1500);
    await other.close();
    await first.close();
  });

  it('a checkpoint thread that cannot run hands checkpoints back to the connection (the WAL never grows without end)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-ckpt-'));
    const d = new SqliteDriver(join(dir, 'x.db'));
    await d.run('CREATE TABLE t (x TEXT)');
    const aside = d.checkpointAside(50);
    assert.equal((await d.get<{ wal_autocheckpoint: number }>('PRAGMA wal_autocheckpoint'))!.wal_autocheckpoint, 0);
    // the thread starts after the file's directory is gone: it cannot open the database and ends
    rmSync(dir, { recursive: true, force: true });
    const deadline = Date.now() + 10_000;
    let now = 0;
    while (now === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      now = (await d.get<{ wal_autocheckpoint: number }>('PRAGMA wal_autocheckpoint'))!.wal_autocheckpoint;
    }
    assert.equal(now, 1000);
    await aside.stop();
    await d.close();
  });
});
