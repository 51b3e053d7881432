import { resolve } from 'node:path';
import { invalid } from '../core/errors.ts';
import { PostgresDriver } from './postgres/driver.ts';
import { SqliteDriver } from './sqlite/driver.ts';
import { SqlMetadataStore } from './sql/store.ts';

/**
 * Open a metadata store by URI: `sqlite:PATH` (or a bare path; `sqlite::memory:` for a throwaway one) or
 * `postgres://USER@HOST:PORT/DB[?schema=NAME]`.
 * @example
 * const store = await openMetadataStore('postgres://postgres@127.0.0.1:5432/capstan');
 */
export async function openMetadataStore(uri: string): Promise<SqlMetadataStore> {
  if (/^postgres(ql)?:\/\//.test(uri)) {
    const driver = new PostgresDriver(uri);
    try {
      await driver.init();
    } catch (e) {
      await driver.close().catch(() => undefined);
      throw e;
    }
    return SqlMetadataStore.open(driver);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) throw invalid(`store URI "${uri.slice(0, 80)}" has an unknown scheme (use sqlite:PATH or postgres://...)`);
  const path = uri.startsWith('sqlite:') ? uri.slice('sqlite:'.length) : uri;
  return SqlMetadataStore.open(new SqliteDriver(path === ':memory:' ? path : resolve(path)));
}
