import { basename, resolve } from 'node:path';
import type { MetadataStore, DatasetVersion } from '../store/index.ts';
import { domainOf, profileLoaded } from './ingest/duckdb-profile.ts';
import { loadFile, type ReadOptions } from './ingest/duckdb.ts';
import { fileSha256 } from './hash.ts';
import { inferSchema } from './schema-file.ts';

/**
 * Register a file as a dataset version: content hash, schema, profile, row count and source path, in one store call, after
 * the file parsed completely (a malformed file registers nothing). The same content is the same version.
 */
export async function registerDatasetFile(store: MetadataStore, file: string, name: string, opts: ReadOptions = {}): Promise<DatasetVersion> {
  const f = await loadFile(file, opts);
  try {
    const profile = await profileLoaded(f, basename(file));
    const domains = new Map<string, string[] | null>();
    for (const c of profile.columns) if (c.type === 'categorical' || c.type === 'boolean') domains.set(c.name, await domainOf(f, c.name));
    const schema = inferSchema(profile, domains);
    const contentHash = await fileSha256(file);
    return await store.datasets.register({ name, contentHash, source: resolve(file), rows: profile.rows, columns: profile.columns.length, schema, profile });
  } finally {
    await f.drop();
  }
}
