import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SqliteDriver } from './driver.ts';

describe('SQLite checkpoints aside', () => {
  it('a write never checkpoints on the writing thread; the checkpoint thread copies the WAL into the database', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'capstan-ckpt-')), 'x.db');
    const d = new SqliteDriver(path);
    await d.run('CREATE TABLE t (x TEXT)');
    const aside = d.checkpointAside(50);
    const before = statSync(path).size;
    // ~6 MB, past the 1000 pages (4 MB) at which SQLite would checkpoint inside the commit
    await d.tx(async (q) => {
      for (let i = 0; i < 1500; i++) await q.run('INSERT INTO t VALUES (?)', ['x'.repeat(4000)]);
    });
    assert.ok(statSync(path).size < before + (1 << 20), 'the commit itself copied the WAL into the database');
    const deadline = Date.now() + 5000;
    while (statSync(path).size < before + (5 << 20) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(statSync(path).size >= before + (5 << 20), `the database file holds the rows after the checkpoint thread ran (${statSync(path).size} bytes)`);
    await aside.stop();
    assert.equal((await d.get<{ n: number }>('SELECT count(*) AS n FROM t'))!.n, 1500);
    await d.close();
  });
});
