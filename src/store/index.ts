import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { blobName, type ArtifactStore } from './artifact-store.ts';
import type { MetadataStore } from './metadata-store.ts';
import { artifactUri, openArtifactStore, openMetadataStore } from './open.ts';

export type * from './metadata-store.ts';
export type * from './types.ts';
export { ROLES, RUN_STATUSES } from './types.ts';
export { FsArtifactStore } from './fs/artifact-store.ts';
export { artifactUri, openArtifactStore, openMetadataStore } from './open.ts';
export { blobName, type ArtifactStore } from './artifact-store.ts';
export { SqlMetadataStore } from './sql/store.ts';

export interface Stores {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  home: string;
  /** where the stores are, when opened by URI: another thread or process opens the same ones */
  uris?: { metadata: string; artifacts: string };
}

/** Bytes (text, a JSON document) kept as a run's artifact: a content-addressed blob, indexed under the run at `path`. */
export async function putRunArtifact(stores: Stores, runId: string, path: string, content: string | Uint8Array): Promise<void> {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  // content already stored (a reused step's outputs and log, a spec run again) is not written again
  const digest = createHash('sha256').update(bytes).digest('hex');
  const blob = (await stores.artifacts.exists(blobName(digest))) ? { digest, size: bytes.byteLength } : await stores.artifacts.putBlob(Readable.from([bytes]));
  await stores.metadata.runs.putArtifact({ runId, path, digest: blob.digest, size: blob.size });
}

/** A blob read back whole (small documents: a run's outputs, a log, a spec). */
export async function readBlob(artifacts: ArtifactStore, digest: string): Promise<Buffer> {
  const { stream } = await artifacts.openBlob(digest);
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The metadata store's URI: CAPSTAN_STORE_URI, else the SQLite file in the home folder. */
export function storeUri(home: string): string {
  return process.env.CAPSTAN_STORE_URI || `sqlite:${join(home, 'capstan.db')}`;
}

/**
 * Open the stores of a Capstan home: the metadata store at `uri` (default: SQLite `capstan.db` in the home;
 * `CAPSTAN_STORE_URI` chooses e.g. PostgreSQL) and the artifact store (`CAPSTAN_ARTIFACT_URI`, e.g. s3://bucket/prefix;
 * default the home's `artifacts/` folder).
 */
export async function openStores(home: string, uri: string = storeUri(home), artifacts: string = artifactUri(home)): Promise<Stores> {
  const store = await openArtifactStore(artifacts);
  return { metadata: await openMetadataStore(uri), artifacts: store, home, uris: { metadata: uri, artifacts } };
}
export { allPages, logMetrics, logParams, setTags } from './run-log.ts';
export { openPredictionWriter, type PredictionWriter } from './prediction-writer.ts';
export { PredictionBatch } from './sql/prediction-batch.ts';
export { parseTraffic, pickRoute, type TrafficSpec, type VersionPick } from './traffic.ts';
export { DEFAULT_POLICY, SERVED_ALIAS, hasRole, servesLatest } from './policy.ts';
