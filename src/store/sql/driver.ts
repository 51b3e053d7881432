/** A value bound to a `?` placeholder. */
export type SqlValue = string | number | null;
export type Row = Record<string, unknown>;

/** Runs SQL written once for both dialects: `?` placeholders, `ON CONFLICT`, `RETURNING`, no dialect-only functions. */
export interface SqlExecutor {
  all<T = Row>(sql: string, params?: SqlValue[]): Promise<T[]>;
  get<T = Row>(sql: string, params?: SqlValue[]): Promise<T | undefined>;
  /** number of rows changed */
  run(sql: string, params?: SqlValue[]): Promise<number>;
}

/**
 * The narrow seam between the stores and a database driver (better-sqlite3, pg). Guarantees: `tx` is all-or-nothing and
 * serializable (SQLite: BEGIN IMMEDIATE; PostgreSQL: SERIALIZABLE, retried on serialization failures and deadlocks, so `fn` may
 * run more than once and must not have side effects outside the database); statements outside `tx` are each atomic.
 */
export interface SqlDriver extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  tx<T>(fn: (q: SqlExecutor) => Promise<T>): Promise<T>;
  /** Run a multi-statement script (migrations) inside a transaction holding the migration lock. */
  script(q: SqlExecutor, sql: string): Promise<void>;
  /** A transaction holding the lock that keeps two processes from migrating at once. */
  migrationTx<T>(fn: (q: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * Fit this connection for writes made from a latency-sensitive thread (the serving prediction log), where the driver
   * would otherwise block it: a busy database fails a write at once (the caller retries later) and nothing slow runs
   * inside a commit. `checkpoints: false` when another connection to the same database takes care of them (one serving
   * process of several). Returns how to undo what it started. Drivers that never block the caller's thread leave it out.
   */
  forServingWrites?(opts?: { checkpoints?: boolean }): { stop: () => Promise<void> };
}
