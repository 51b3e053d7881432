import { join, resolve } from 'node:path';
import { invalid } from '../core/errors.ts';
import type { ArtifactStore } from './artifact-store.ts';
import { FsArtifactStore } from './fs/artifact-store.ts';
import { SqliteDriver } from './sqlite/driver.ts';
import { SqlMetadataStore } from './sql/store.ts';

/** A backend chosen by the scheme of its URI. */
interface Backend<T> {
  scheme: string;
  matches: (uri: string) => boolean;
  open: (uri: string) => Promise<T>;
}

/** Metadata backends by URI scheme. A new backend is one entry here (and the conformance suite run against it). */
const METADATA: Backend<SqlMetadataStore>[] = [
  {
    scheme: 'postgres://',
    matches: (uri) => /^postgres(ql)?:\/\//.test(uri),
    // the pg client loads only when a PostgreSQL store is opened
    open: async (uri) => {
      const driver = new (await import('./postgres/driver.ts')).PostgresDriver(uri);
      try {
        await driver.init();
      } catch (e) {
        await driver.close().catch(() => undefined);
        throw e;
      }
      return SqlMetadataStore.open(driver);
    },
  },
  {
    scheme: 'sqlite:',
    // `sqlite:PATH`, `sqlite::memory:`, or a bare path
    matches: (uri) => uri.startsWith('sqlite:') || !/^[a-z][a-z0-9+.-]*:/i.test(uri),
    open: async (uri) => {
      const path = uri.startsWith('sqlite:') ? uri.slice('sqlite:'.length) : uri;
      return SqlMetadataStore.open(new SqliteDriver(path === ':memory:' ? path : resolve(path)));
    },
  },
];

/** Artifact backends by URI scheme (the S3 client loads only when an s3:// store is opened). */
const ARTIFACTS: Backend<ArtifactStore>[] = [
  { scheme: 'file:', matches: (uri) => uri.startsWith('file:') || !/^[a-z][a-z0-9+.-]*:/i.test(uri), open: async (uri) => new FsArtifactStore(uri.startsWith('file:') ? uri.slice('file:'.length).replace(/^\/\/(?=\/)/, '') : uri) },
  { scheme: 's3://', matches: (uri) => uri.startsWith('s3://'), open: async (uri) => new (await import('./s3/artifact-store.ts')).S3ArtifactStore(uri) },
];

function backendOf<T>(kind: string, backends: Backend<T>[], uri: string): Backend<T> {
  const b = backends.find((x) => x.matches(uri));
  if (!b) throw invalid(`${kind} URI "${uri.slice(0, 80)}" has an unknown scheme (known: ${backends.map((x) => x.scheme).join(', ')})`);
  return b;
}

/**
 * Open a metadata store by URI: `sqlite:PATH` (or a bare path; `sqlite::memory:` for a throwaway one) or
 * `postgres://USER@HOST:PORT/DB[?schema=NAME]`.
 * @example
 * const store = await openMetadataStore('postgres://postgres@127.0.0.1:5432/capstan');
 */
export function openMetadataStore(uri: string): Promise<SqlMetadataStore> {
  return backendOf('store', METADATA, uri).open(uri);
}

/**
 * Open an artifact store by URI: `file:PATH` (or a bare path) or `s3://BUCKET[/PREFIX]` (endpoint, region and credentials from
 * the standard AWS variables).
 * @example
 * const artifacts = await openArtifactStore('s3://models/capstan');
 */
export function openArtifactStore(uri: string): Promise<ArtifactStore> {
  return backendOf('artifact', ARTIFACTS, uri).open(uri);
}

/** The default artifact store of a Capstan home: CAPSTAN_ARTIFACT_URI, else the `artifacts/` folder in the home. */
export function artifactUri(home: string): string {
  return process.env.CAPSTAN_ARTIFACT_URI || `file:${join(home, 'artifacts')}`;
}
