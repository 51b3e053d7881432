import { basename, resolve } from 'node:path';
import { orNullIfNotFound } from '../core/errors.ts';
import type { MetadataStore, DatasetValidation, DatasetVersion } from '../store/index.ts';
import { profiledLoaded } from './ingest/duckdb-profile.ts';
import { loadFile, type ReadOptions } from './ingest/duckdb.ts';
import { readProfiled, type ProfiledRead } from './read.ts';
import { fileSha256 } from './hash.ts';
import { inferSchema, parseSchema } from './schema-file.ts';
import { findingsOf, validateLoaded } from './validate.ts';
import type { FileProfile } from './profile-types.ts';

/** A file's dataset name when none is given: its name without the extension. */
export function datasetNameOf(file: string): string {
  return basename(file).replace(/\.[^.]+$/, '');
}

/**
 * The one way a file becomes a dataset version, whoever reads it (`data register`, `train`, `automl`, a pipeline's load step):
 * its content hash, its absolute path, its row and column counts and profile (and schema when known). The same content is the
 * same version.
 */
export async function registerDataset(store: MetadataStore, file: string, name: string, profile: FileProfile, schema?: unknown, contentHash?: string): Promise<DatasetVersion> {
  return store.datasets.register({ name, contentHash: contentHash ?? (await fileSha256(file)), source: resolve(file), rows: profile.rows, columns: profile.columns.length, profile, ...(schema !== undefined ? { schema } : {}) });
}

/**
 * Register a file as a dataset version with its schema (types, nullability, domains) and profile, after the file parsed
 * completely (a malformed file registers nothing). `contentHash`: the file's sha256 when the caller has it already.
 */
export async function registerDatasetFile(store: MetadataStore, file: string, name: string, opts: ReadOptions & { contentHash?: string } = {}): Promise<DatasetVersion> {
  return registerRead(store, file, name, await readProfiled(file, opts), opts.contentHash);
}

/** Register a file already read (`readProfiled`: a step that trains on it reads it once) with its schema and profile. */
export async function registerRead(store: MetadataStore, file: string, name: string, read: Pick<ProfiledRead, 'profile' | 'domains'>, contentHash?: string): Promise<DatasetVersion> {
  return registerDataset(store, file, name, read.profile, inferSchema(read.profile, read.domains), contentHash);
}

/**
 * `data register`: register a file and, when it is a new version of a dataset whose previous version has a schema, check it
 * against that version (schema, and profile as the drift baseline) as TFDV checks each new span, keeping the findings with the
 * new version. `validation` is null for content already registered or a first version.
 */
export async function registerAndValidate(store: MetadataStore, file: string, name: string, actor: string, opts: ReadOptions = {}): Promise<{ version: DatasetVersion; validation: DatasetValidation | null }> {
  const previous = await orNullIfNotFound(store.datasets.get(name));
  const f = await loadFile(file, opts);
  try {
    const version = await registerRead(store, file, name, await profiledLoaded(f, basename(file)));
    if (!previous || version.version <= previous.version || previous.schema === undefined || previous.schema === null) return { version, validation: null };
    const schema = parseSchema(JSON.stringify(previous.schema), `dataset ${name} v${previous.version}`);
    const report = await validateLoaded(f, file, version.profile as FileProfile, schema, previous.profile ? { baseline: previous.profile as FileProfile } : {});
    const validation = await store.datasets.addValidation({ name, version: version.version, reference: { name, version: previous.version }, ...findingsOf(report), runId: null, actor });
    return { version, validation };
  } finally {
    await f.drop();
  }
}
