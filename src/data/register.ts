import { basename, resolve } from 'node:path';
import { orNullIfNotFound } from '../core/errors.ts';
import type { MetadataStore, DatasetValidation, DatasetVersion } from '../store/index.ts';
import type { Table } from '../core/table.ts';
import { domainOf, profileLoaded } from './ingest/duckdb-profile.ts';
import { loadFile, type LoadedFile, type ReadOptions } from './ingest/duckdb.ts';
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
  const f = await loadFile(file, opts);
  try {
    return await registerLoadedFile(store, f, file, name, opts.contentHash);
  } finally {
    await f.drop();
  }
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
    const version = await registerLoadedFile(store, f, file, name);
    if (!previous || version.version <= previous.version || previous.schema === undefined || previous.schema === null) return { version, validation: null };
    const schema = parseSchema(JSON.stringify(previous.schema), `dataset ${name} v${previous.version}`);
    const report = await validateLoaded(f, file, version.profile as FileProfile, schema, previous.profile ? { baseline: previous.profile as FileProfile } : {});
    const validation = await store.datasets.addValidation({ name, version: version.version, reference: { name, version: previous.version }, ...findingsOf(report), runId: null, actor });
    return { version, validation };
  } finally {
    await f.drop();
  }
}

/** The same, for a file the caller has loaded (and may read further, as a table, before dropping it). */
export async function registerLoadedFile(store: MetadataStore, f: LoadedFile, file: string, name: string, contentHash?: string, table?: Table): Promise<DatasetVersion> {
  const profile = await profileLoaded(f, basename(file), table);
  const domains = new Map<string, string[] | null>();
  for (const c of profile.columns) if (c.type === 'categorical' || c.type === 'boolean') domains.set(c.name, await domainOf(f, c.name));
  return registerDataset(store, file, name, profile, inferSchema(profile, domains), contentHash);
}
