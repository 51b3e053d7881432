import { join } from 'node:path';
import { FsArtifactStore } from './fs/artifact-store.ts';
import type { MetadataStore } from './metadata-store.ts';
import { SqliteMetadataStore } from './sqlite/sqlite-store.ts';

export type { MetadataStore } from './metadata-store.ts';
export type * from './types.ts';
export { FsArtifactStore } from './fs/artifact-store.ts';
export { SqliteMetadataStore } from './sqlite/sqlite-store.ts';

export interface Stores {
  metadata: MetadataStore;
  artifacts: FsArtifactStore;
  home: string;
}

/** Open the stores of a Capstan home: `capstan.db` (SQLite) and the `artifacts/` folder beside it. */
export function openStores(home: string): Stores {
  return { metadata: new SqliteMetadataStore(join(home, 'capstan.db')), artifacts: new FsArtifactStore(join(home, 'artifacts')), home };
}
