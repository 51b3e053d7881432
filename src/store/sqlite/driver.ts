import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CapstanError } from '../../core/errors.ts';
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

  tx<T>(fn: (q: SqlExecutor) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(this.direct);
        this.db.exec('COMMIT');
        return out;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
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
    if (this.db.open) this.db.close();
  }
}
