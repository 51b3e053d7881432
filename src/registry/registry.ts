import { randomBytes } from 'node:crypto';
import { basename, resolve } from 'node:path';
import { CapstanError, invalid } from '../core/errors.ts';
import type { TabularModel } from '../learn/index.ts';
import type { ModelVersion, Stores } from '../store/index.ts';
import { writeBundleDir, readBundleDir } from './bundle/fs.ts';
import { encodeOnnxBundle, type Bundle, type BundleManifest } from './bundle/format.ts';
import { checkName } from '../core/names.ts';
import { parseModelRef } from './refs.ts';

export interface LoadedModel {
  manifest: BundleManifest;
  /** a Capstan model; null for one imported as ONNX */
  model: TabularModel | null;
  /** the bytes of a model imported as ONNX */
  onnx: Uint8Array | null;
  digest: string;
  path: string;
  /** registry coordinates, absent for a bare bundle directory */
  name: string;
  version: number | null;
}

/**
 * Register a bundle as the next version of `name`. The bundle is written (atomically) before the version row, so a crash leaves
 * at worst an unreferenced folder, never a version without its files.
 */
export async function registerModel(stores: Stores, name: string, bundle: Bundle, runId: string | null, author: string): Promise<ModelVersion> {
  checkName('model name', name);
  const source = `models/${name}/${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const digest = writeBundleDir(stores.artifacts.resolve(source), bundle);
  return stores.metadata.models.createVersion({ name, runId, source, digest, task: bundle.manifest.task, metrics: bundle.manifest.metrics, signature: bundle.manifest.signature, author });
}

/**
 * Register an ONNX model trained elsewhere as the next version of `name`: its signature is read from the graph (and checked
 * to be servable) before anything is written; the file is kept as it came.
 */
export async function importOnnxModel(stores: Stores, name: string, bytes: Uint8Array, author: string): Promise<ModelVersion> {
  const { readOnnx, onnxSignature } = await import('../onnx/read.ts');
  const info = readOnnx(bytes);
  const signature = onnxSignature(info);
  return registerModel(stores, name, encodeOnnxBundle(bytes, signature, info.producer || 'unknown'), null, author);
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
export function loadVersion(stores: Stores, v: ModelVersion): LoadedModel {
  const path = stores.artifacts.resolve(v.source);
  let bundle: ReturnType<typeof readBundleDir>;
  try {
    bundle = readBundleDir(path);
  } catch (e) {
    // the server's own paths are not the caller's business
    if (e instanceof CapstanError && e.code === 'NOT_FOUND') throw new CapstanError('NOT_FOUND', `${v.name}:${v.version} has no Capstan model bundle in the artifact store (source ${v.source})`);
    throw e;
  }
  if (bundle.digest !== v.digest) throw new CapstanError('INTERNAL', `the bundle of ${v.name}:${v.version} does not match the digest recorded at registration (${v.digest.slice(0, 19)}...): it changed after registration and will not be served`);
  return { ...bundle, path, name: v.name, version: v.version };
}

/** Load a model by reference: a registry name/alias/version, or (a local convenience) a bundle directory on disk. */
export async function loadModel(stores: Stores | null, ref: string): Promise<LoadedModel> {
  const r = parseModelRef(ref);
  if (r.kind === 'dir') {
    const b = readBundleDir(r.path);
    return { ...b, path: resolve(r.path), name: basename(resolve(r.path)), version: null };
  }
  if (!stores) throw invalid(`"${ref}" is a registry reference, but no metadata store is open`);
  return loadVersion(stores, await resolveModelVersion(stores, ref));
}
