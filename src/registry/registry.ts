import { randomBytes } from 'node:crypto';
import { basename, resolve } from 'node:path';
import { CapstanError, invalid } from '../core/errors.ts';
import type { FeatureSpec } from '../core/schema.ts';
import { encodeStrings, numericColumn, type Table } from '../core/table.ts';
import type { TabularModel } from '../learn/index.ts';
import type { ModelVersion, Stores } from '../store/index.ts';
import { readBundleDir, type StoredBundle } from './bundle/fs.ts';
import { getBundle, putBundle } from './bundle/store.ts';
import { encodeOnnxBundle, type Bundle, type BundleManifest } from './bundle/format.ts';
import { checkName, checkPath } from '../core/names.ts';
import { parseModelRef } from './refs.ts';

export interface LoadedModel extends StoredBundle {
  manifest: BundleManifest;
  /** a Capstan model; null for one imported as ONNX */
  model: TabularModel | null;
  /** the bytes of a model imported as ONNX */
  onnx: Uint8Array | null;
  digest: string;
  /** where the bundle is, for people: a path on disk or an artifact store URI */
  location: string;
  /** registry coordinates, absent for a bare bundle directory */
  name: string;
  version: number | null;
  /** the registered version's tags (its humility rules among them); none for a bundle directory */
  tags: Record<string, string>;
}

/**
 * Register a bundle as the next version of `name`. The bundle is written (atomically) before the version row, so a crash leaves
 * at worst an unreferenced folder, never a version without its files.
 */
export async function registerModel(stores: Stores, name: string, bundle: Bundle, runId: string | null, author: string): Promise<ModelVersion> {
  checkName('model name', name);
  const source = `models/${name}/${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const digest = await putBundle(stores.artifacts, source, bundle);
  return stores.metadata.models.createVersion({ name, runId, source, digest, task: bundle.manifest.task, metrics: bundle.manifest.metrics, signature: bundle.manifest.signature, author });
}

/**
 * Register, as the next version of `name`, a bundle already in the artifact store at `source` (a client that uploaded it, a
 * run that wrote it): its digest, task, metrics and signature are read from that bundle, never taken from the caller, so a
 * reviewer sees what will serve. `digest`, when given, must match. Anything that is not a bundle inside the artifact store
 * is refused here, not when it is first loaded.
 */
export async function registerStoredBundle(stores: Stores, input: { name: string; source: string; runId: string | null; digest?: string; description?: string; tags?: Record<string, string>; author: string }): Promise<ModelVersion> {
  checkName('model name', input.name);
  let bundle: StoredBundle;
  try {
    bundle = await getBundle(stores.artifacts, checkPath('source', input.source));
  } catch (e) {
    if (e instanceof CapstanError && e.code !== 'UNAVAILABLE') throw invalid(`source "${input.source.slice(0, 200)}" holds no readable Capstan model bundle in the artifact store (${e.message})`);
    throw e;
  }
  if (input.digest !== undefined && input.digest !== '' && input.digest !== bundle.digest) throw invalid(`digest does not match the bundle at source (the bundle's is ${bundle.digest})`);
  const m = bundle.manifest;
  return stores.metadata.models.createVersion({ name: input.name, runId: input.runId, source: input.source, digest: bundle.digest, task: m.task, metrics: m.metrics, signature: m.signature, description: input.description, tags: input.tags, author: input.author });
}

/**
 * Register an ONNX model trained elsewhere as the next version of `name`: its signature is read from the graph, then
 * onnxruntime must load the graph and answer one row through that signature before anything is written (a graph that can
 * never serve is refused at import, with onnxruntime's reason, not at its first request); the file is kept as it came.
 */
export async function importOnnxModel(stores: Stores, name: string, bytes: Uint8Array, author: string): Promise<ModelVersion> {
  const [{ readOnnx, onnxSignature }, { OnnxScorer }] = await Promise.all([import('../onnx/read.ts'), import('../onnx/runtime.ts')]);
  if (bytes.byteLength > MAX_ONNX_BYTES) throw invalid(`ONNX model is ${bytes.byteLength} bytes; the limit is ${MAX_ONNX_BYTES}`);
  const info = readOnnx(bytes);
  const signature = onnxSignature(info);
  const scorer = await OnnxScorer.load(bytes, signature);
  try {
    await scorer.predict(probeRow(signature.features));
  } catch (e) {
    throw invalid(`ONNX model cannot serve: it failed on a one-row probe through its signature (${(e as Error).message})`);
  }
  return registerModel(stores, name, encodeOnnxBundle(bytes, signature, info.producer || 'unknown'), null, author);
}

/** ONNX files larger than this are refused at import (initializers past it would be loaded into every serving process). */
const MAX_ONNX_BYTES = 1024 ** 3;

/** One row of neutral values for a signature: 0 for numbers, the first known category (or '') for categories. */
function probeRow(features: FeatureSpec[]): Table {
  return {
    rows: 1,
    columns: features.map((f) => (f.kind === 'numeric' ? numericColumn(f.name, Float64Array.of(0)) : encodeStrings(f.name, [f.categories?.[0] ?? '']))),
  };
}

/** Find the version a reference points at (NAME = latest version). */
export async function resolveModelVersion(stores: Stores, ref: string): Promise<ModelVersion> {
  const r = parseModelRef(ref);
  if (r.kind === 'alias') return stores.metadata.models.resolveAlias(r.name, r.alias);
  if (r.kind === 'version') return stores.metadata.models.getVersion(r.name, r.version);
  if (r.kind === 'latest') return stores.metadata.models.latestVersion(r.name);
  throw invalid(`"${ref}" is a bundle directory, not a registered model version`);
}

/**
 * Load a registered version's bundle from the artifact store, checked against the digest recorded when it was registered: a
 * bundle changed on disk after its review is refused, never served.
 */
export async function loadVersion(stores: Stores, v: ModelVersion): Promise<LoadedModel> {
  let bundle: StoredBundle;
  try {
    bundle = await getBundle(stores.artifacts, v.source);
  } catch (e) {
    // the server's own paths are not the caller's business
    if (e instanceof CapstanError && e.code === 'NOT_FOUND') throw new CapstanError('NOT_FOUND', `${v.name}:${v.version} has no Capstan model bundle in the artifact store (source ${v.source})`);
    throw e;
  }
  if (bundle.digest !== v.digest) throw new CapstanError('INTERNAL', `the bundle of ${v.name}:${v.version} does not match the digest recorded at registration (${v.digest.slice(0, 19)}...): it changed after registration and will not be served`);
  return { ...bundle, location: stores.artifacts.locate(v.source), name: v.name, version: v.version, tags: v.tags };
}

/** Load a model by reference: a registry name/alias/version, or (a local convenience) a bundle directory on disk. */
export async function loadModel(stores: Stores | null, ref: string): Promise<LoadedModel> {
  const r = parseModelRef(ref);
  if (r.kind === 'dir') {
    const b = readBundleDir(r.path);
    return { ...b, location: resolve(r.path), name: basename(resolve(r.path)), version: null, tags: {} };
  }
  if (!stores) throw invalid(`"${ref}" is a registry reference, but no metadata store is open`);
  return loadVersion(stores, await resolveModelVersion(stores, ref));
}
