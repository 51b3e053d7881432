import type { Readable } from 'node:stream';

/**
 * Where artifacts live: content-addressed blobs (run artifacts, insights; the name is the sha256 of the content) and named
 * objects (the files of model bundles, under a prefix per version). Backends are chosen by URI (see open-artifacts.ts): the
 * file store (a folder, the default `.capstan/artifacts`) and S3-compatible object stores (`s3://bucket/prefix`); every
 * backend passes the suite in artifact-conformance.ts.
 *
 * Guarantees: a put is atomic (readers see the whole object or none of it) and durable once its promise resolves; the same
 * content always lands on the same blob; names are relative paths checked by `checkPath` that never leave the store; large
 * objects stream both ways (no whole-object buffers beyond a few MB, except `get`, which is for objects a caller needs whole).
 * Not guaranteed: atomicity across several objects (a bundle writes its manifest last, so a half-written one reads as
 * missing); listing order other than by name.
 */
export interface ArtifactStore {
  /** where the store is, as configured (`file:/path`, `s3://bucket/prefix`) */
  readonly uri: string;
  /** Stream content into its blob; refused past `maxBytes` (PAYLOAD_TOO_LARGE), leaving nothing behind. */
  putBlob(source: AsyncIterable<Uint8Array>, opts?: { maxBytes?: number }): Promise<{ digest: string; size: number }>;
  /** A blob as a stream (NOT_FOUND when missing). */
  openBlob(digest: string): Promise<{ stream: Readable; size: number }>;
  /** Write a named object (replacing one of that name). */
  put(name: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<{ size: number }>;
  /** A named object, whole (NOT_FOUND when missing). */
  get(name: string): Promise<Buffer>;
  /** A named object as a stream (NOT_FOUND when missing). */
  open(name: string): Promise<{ stream: Readable; size: number }>;
  exists(name: string): Promise<boolean>;
  /** Names of the objects under a prefix (`models/churn/` lists a model's bundle files), sorted. */
  list(prefix: string): Promise<string[]>;
  /** Remove a named object; removing one that is not there is not an error. */
  delete(name: string): Promise<void>;
  /** Where a named object is, for people: a path on disk or an s3:// URI. */
  locate(name: string): string;
  close(): Promise<void>;
}

export const DIGEST_PATTERN = /^[0-9a-f]{64}$/;

/** The name a blob is kept under in a backend that stores everything by name. */
export function blobName(digest: string): string {
  return `blobs/sha256/${digest.slice(0, 2)}/${digest}`;
}
