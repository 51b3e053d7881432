import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CapstanError } from '../../core/errors.ts';
import { siblingModule, startThread } from '../../threads/pool.ts';
import type { Row, SqlDriver, SqlExecutor, SqlValue } from '../sql/driver.ts';

/**
 * better-sqlite3 behind the async driver seam. One connection per process; operations are queued so a transaction's
 * statements never interleave with another caller's (the connection has one transaction state). WAL journal with
 * synchronous=FULL: a commit is on disk when its promise resolves, and a crash at any moment leaves the last committed state.
 * busy_timeout lets the CLI and a running server share the file.
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly direct: SqlExecutor;

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 10000');
      this.db.pragma('foreign_keys = ON');
      // LIKE is case-sensitive on PostgreSQL; make it so here too, so a filter gives the same runs on both
      this.db.pragma('case_sensitive_like = ON');
      // refresh planner statistics where they are stale (cheap; the search planner relies on them)
      this.db.pragma('optimize = 0x10002');
    } catch (e) {
      throw new CapstanError('UNAVAILABLE', `cannot open metadata store ${path}: ${(e as Error).message}`);
    }
    const stmt = (sql: string): Database.Statement => {
      let s = this.statements.get(sql);
      if (!s) {
        s = this.db.prepare(sql);
        this.statements.set(sql, s);
      }
      return s;
    };
    this.direct = {
      all: async <T>(sql: string, params: SqlValue[] = []) => stmt(sql).all(...params) as T[],
      get: async <T>(sql: string, params: SqlValue[] = []) => stmt(sql).get(...params) as T | undefined,
      run: async (sql: string, params: SqlValue[] = []) => {
        const s = stmt(sql);
        if (s.reader) return s.all(...params).length;
        return s.run(...params).changes;
      },
    };
  }

  /**
   * For the serving prediction log: commits durable at the next checkpoint rather than each on its own fsync
   * (synchronous=NORMAL), a busy database fails at once instead of SQLite's busy handler sleeping on this thread (1 ms,
   * then 2, 5...), and checkpoints on a thread of their own (their fsync put 13-17 ms on a serving process's p99; 6-7 ms
   * without).
   */
  forServingWrites({ checkpoints = true }: { checkpoints?: boolean } = {}): { stop: () => Promise<void> } {
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 0');
    if (checkpoints) return this.checkpointAside();
    // another process's checkpoints restart the WAL for every writer: a second checkpointer only holds writers off again
    this.db.pragma('wal_autocheckpoint = 0');
    return { stop: async () => undefined };
  }

  /**
   * Move this connection's WAL checkpoints to a thread of its own, every `everyMs`: a write never runs a checkpoint (a copy
   * of up to 1000 pages and an fsync, 5-15 ms on these machines) on the caller's thread. For a connection that writes on a
   * latency-sensitive thread (the serving prediction log). Returns how to stop it (a last checkpoint runs then).
   */
  checkpointAside(everyMs = 500): { stop: () => Promise<void> } {
    if (this.path === ':memory:') return { stop: async () => undefined };
    this.db.pragma('wal_autocheckpoint = 0');
    const thread = startThread(siblingModule(import.meta.url, './checkpoint-thread'), { path: this.path, everyMs });
    thread.unref();
    thread.on('error', () => undefined);
    let exited = false;
    let stopping = false;
    thread.once('exit', () => {
      exited = true;
      // a thread that ended on its own (it could not open the file, it crashed) checkpoints nothing: the connection goes
      // back to checkpointing itself rather than let the WAL grow without end
      if (!stopping && this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
    });
    return {
      // a thread that already ended (it could not open the file) or does not answer within 2 s never holds up a shutdown
      stop: () => {
        stopping = true;
        if (exited) return Promise.resolve();
        return new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            resolve();
          };
          const end = () => void thread.terminate().then(done, done);
          const timer = setTimeout(end, 2000);
          thread.once('message', end);
          thread.once('exit', done);
          thread.postMessage('stop');
        });
      },
    };
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  all<T = Row>(sql: string, params?: SqlValue[]): Promise<T[]> {
    return this.serial(() => this.direct.all<T>(sql, params));
  }
  get<T = Row>(sql: string, params?: SqlValue[]): Promise<T | undefined> {
    return this.serial(() => this.direct.get<T>(sql, params));
  }
  run(sql: string, params?: SqlValue[]): Promise<number> {
    return this.serial(() => this.direct.run(sql, params));
  }

  /**
   * Group commit: transactions that arrive while another is running are run together, each inside its own savepoint (so one
   * failing rolls back only itself), under one BEGIN IMMEDIATE ... COMMIT and one fsync. Every promise settles only after that
   * COMMIT, so a resolved write is durable; if the COMMIT fails, every transaction of the group fails.
   */
  tx<T>(fn: (q: SqlExecutor) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (this.pending.length === 1) void this.serial(() => this.commitGroup());
    });
  }

  private pending: { fn: (q: SqlExecutor) => Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];

  private async commitGroup(): Promise<void> {
    const group = this.pending.splice(0, 512);
    if (this.pending.length > 0) void this.serial(() => this.commitGroup());
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (e) {
      for (const t of group) t.reject(e);
      return;
    }
    for (const t of group) {
      this.db.exec('SAVEPOINT grp');
      try {
        const value = await t.fn(this.direct);
        this.db.exec('RELEASE grp');
        outcomes.push({ ok: true, value });
      } catch (error) {
        this.db.exec('ROLLBACK TO grp');
        this.db.exec('RELEASE grp');
        outcomes.push({ ok: false, error });
      }
    }
    try {
      this.db.exec('COMMIT');
    } catch (e) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const t of group) t.reject(e);
      return;
    }
    group.forEach((t, i) => {
      const o = outcomes[i];
      if (o.ok) t.resolve(o.value);
      else t.reject(o.error);
    });
  }

  async script(_q: SqlExecutor, sql: string): Promise<void> {
    this.db.exec(sql);
  }

  /** BEGIN IMMEDIATE already holds the write lock: a second process waits, then sees the applied migrations. */
  migrationTx<T>(fn: (q: SqlExecutor) => Promise<T>): Promise<T> {
    return this.tx(fn);
  }

  /** `PRAGMA integrity_check` result: 'ok' when the file is sound. */
  integrityCheck(): string {
    return (this.db.pragma('integrity_check') as Row[]).map((r) => String(r.integrity_check)).join('; ');
  }

  async close(): Promise<void> {
    await this.queue;
    if (this.db.open) {
      // statistics for the next opening, if the database is free within a second (a serving connection waits for no one,
      // and another process may be writing): an optimization, never a reason for closing to fail
      this.db.pragma('busy_timeout = 1000');
      try {
        this.db.pragma('optimize');
      } catch {
        // busy: the next close
      }
      this.db.close();
    }
  }
}
