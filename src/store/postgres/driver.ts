import pg from 'pg';
import { CapstanError } from '../../core/errors.ts';
import type { Row, SqlDriver, SqlExecutor, SqlValue } from '../sql/driver.ts';

const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock
const MAX_ATTEMPTS = 30;

/** `?` placeholders to `$n`, skipping quoted literals and identifiers. */
export function numberPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else out += ch === '?' ? `$${++n}` : ch;
  }
  return out;
}

function unavailable(e: unknown): CapstanError {
  const err = e as { code?: string; message?: string };
  return new CapstanError('UNAVAILABLE', `PostgreSQL is not reachable: ${err.message ?? String(e)}`, { cause: e });
}

function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? '';
  return ['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '3D000', '28P01', '28000'].includes(code);
}

/**
 * node-postgres behind the driver seam: a pool of connections, transactions at SERIALIZABLE isolation retried with jittered
 * backoff when PostgreSQL reports a serialization failure or deadlock. `?schema=NAME` in the URI selects (and creates) a schema,
 * which is how tests get an isolated store on a shared server.
 */
export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly texts = new Map<string, string>();
  private readonly direct: SqlExecutor;
  readonly schema: string | null;

  constructor(uri: string, opts: { max?: number } = {}) {
    const url = new URL(uri);
    this.schema = url.searchParams.get('schema');
    if (this.schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema)) throw new CapstanError('INVALID_ARGUMENT', `schema "${this.schema}" in the store URI must be lower-case letters, digits and _`);
    url.searchParams.delete('schema');
    const parsers = pg.types;
    this.pool = new pg.Pool({
      connectionString: url.toString(),
      max: opts.max ?? 10,
      connectionTimeoutMillis: 10_000,
      // the schema is a startup parameter of every connection, so no query can run before it is in effect
      ...(this.schema ? { options: `-c search_path=${this.schema}` } : {}),
      // BIGINT (timestamps in ms, counts) as numbers: every value we store is below 2^53
      types: { getTypeParser: ((oid: number, format?: string) => (oid === 20 ? (v: string) => Number(v) : parsers.getTypeParser(oid, format as 'text'))) as typeof parsers.getTypeParser },
    });
    this.pool.on('error', () => undefined); // an idle client's error is reported by the next query instead
    this.direct = this.executor(this.pool);
  }

  private text(sql: string): string {
    let t = this.texts.get(sql);
    if (t === undefined) {
      t = numberPlaceholders(sql);
      this.texts.set(sql, t);
    }
    return t;
  }

  private executor(c: pg.Pool | pg.PoolClient): SqlExecutor {
    const query = async (sql: string, params: SqlValue[] = []) => {
      try {
        return await c.query({ text: this.text(sql), values: params });
      } catch (e) {
        if (isConnectionError(e)) throw unavailable(e);
        throw e;
      }
    };
    return {
      all: async <T>(sql: string, params?: SqlValue[]) => (await query(sql, params)).rows as T[],
      get: async <T>(sql: string, params?: SqlValue[]) => (await query(sql, params)).rows[0] as T | undefined,
      run: async (sql: string, params?: SqlValue[]) => (await query(sql, params)).rowCount ?? 0,
    };
  }

  /** Create the schema named in the URI when it does not exist yet. */
  async init(): Promise<void> {
    if (!this.schema) return;
    const c = await this.connect();
    try {
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
    } catch (e) {
      // two processes creating the schema at once: the loser sees a unique violation, and the schema exists
      if ((e as { code?: string }).code !== '23505') throw e;
    } finally {
      c.release();
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (e) {
      throw unavailable(e);
    }
  }

  all<T = Row>(sql: string, params?: SqlValue[]): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }
  get<T = Row>(sql: string, params?: SqlValue[]): Promise<T | undefined> {
    return this.direct.get<T>(sql, params);
  }
  run(sql: string, params?: SqlValue[]): Promise<number> {
    return this.direct.run(sql, params);
  }

  tx<T>(fn: (q: SqlExecutor) => Promise<T>): Promise<T> {
    return this.transaction('SERIALIZABLE', fn);
  }

  /**
   * READ COMMITTED so that each statement sees what committed before it: after the lock is granted, the waiting process sees
   * the migrations the first one applied (a SERIALIZABLE snapshot would predate them).
   */
  migrationTx<T>(fn: (q: SqlExecutor) => Promise<T>): Promise<T> {
    return this.transaction('READ COMMITTED', async (q) => {
      await q.get('SELECT pg_advisory_xact_lock(770717)');
      return fn(q);
    });
  }

  private async transaction<T>(isolation: string, fn: (q: SqlExecutor) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const c = await this.connect();
      let broken = false;
      try {
        await c.query(`BEGIN ISOLATION LEVEL ${isolation}`);
        const out = await fn(this.executor(c));
        await c.query('COMMIT');
        return out;
      } catch (e) {
        try {
          await c.query('ROLLBACK');
        } catch {
          broken = true;
        }
        const code = (e as { code?: string }).code ?? '';
        if (!RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw e;
      } finally {
        c.release(broken);
      }
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 2 ** attempt)));
    }
  }

  async script(q: SqlExecutor, sql: string): Promise<void> {
    // the simple query protocol runs several statements at once (no parameters)
    await q.run(sql);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
