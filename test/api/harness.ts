import type { Server } from 'node:http';
import { join } from 'node:path';
import { createApp, createAuthenticator, listen, RegistryModelProvider, type AppOptions } from '../../src/server/index.ts';
import type { Router } from '../../src/server/router.ts';
import { FsArtifactStore, openMetadataStore, type SqlMetadataStore, type Stores } from '../../src/store/index.ts';
import { tempHome } from '../helpers.ts';

export const ADMIN = 'test-admin-token-0123456789';

export interface Api {
  url: string;
  stores: Stores;
  /** the same metadata store, typed as the SQL store (driver access for checks) */
  sql: SqlMetadataStore;
  router: Router;
  server: Server;
  /** fetch with a token (admin by default) */
  call(method: string, path: string, body?: unknown, token?: string | null, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/** A real server on an ephemeral port over a real store (`uri`: SQLite in a temp home by default). */
export async function startApi(uri?: string, home: string = tempHome(), app: Partial<AppOptions> = {}): Promise<Api> {
  const metadata = await openMetadataStore(uri ?? `sqlite:${join(home, 'capstan.db')}`);
  const stores: Stores = { metadata, artifacts: new FsArtifactStore(join(home, 'artifacts')), home };
  const { server, router } = createApp({ models: new RegistryModelProvider(stores), stores, authenticate: createAuthenticator(ADMIN, metadata.tokens), log: (l) => process.stderr.write(l + '\n'), ...app });
  const url = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  return {
    url,
    stores,
    sql: metadata,
    router,
    server,
    call: (method, path, body, token = ADMIN, headers = {}) =>
      fetch(url + path, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await metadata.close();
    },
  };
}

/** A concrete URL for a route pattern, with well-formed parameter values. */
export const EXAMPLE: Record<string, string> = { name: 'm', alias: 'a', runId: '0123456789abcdef', experimentId: '0123456789abcdef', key: 'k', tokenName: 't', version: '1', path: 'a.txt' };
export function concrete(pattern: string, sub: Record<string, string> = {}): string {
  return pattern.replace(/[:*]([A-Za-z]+)/g, (_m, p: string) => sub[p] ?? EXAMPLE[p]);
}

