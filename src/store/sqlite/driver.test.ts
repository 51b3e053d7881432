import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteDriver } from './driver.ts';

describe('SQLite driver', () => {
  it('closes while another connection holds the write lock (a serving connection that waits for no one, at shutdown)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'capstan-sqlite-')), 'x.db');
    const d = new SqliteDriver(path);
    await d.run('CREATE TABLE t (x INTEGER, y TEXT)');
    await d.run('CREATE INDEX t_x ON t (x)');
    await d.tx(async (q) => {
      for (let i = 0; i < 2000; i++) await q.run('INSERT INTO t VALUES (?, ?)', [i % 50, `y${i}`]);
    });
    // a query the statistics would help: closing asks SQLite to refresh them, which needs the write lock
    await d.all('SELECT * FROM t WHERE x = ?', [3]);
    await d.run('PRAGMA busy_timeout = 0');
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    other.prepare('INSERT INTO t VALUES (1, ?)').run('z');
    await d.close();
    other.exec('COMMIT');
    assert.equal((other.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 2001);
    other.close();
  });
});
