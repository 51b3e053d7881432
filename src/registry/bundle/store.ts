import { CapstanError, notFound } from '../../core/errors.ts';
import type { ArtifactStore } from '../../store/index.ts';
import { decodeStored, dataFileOf, type StoredBundle } from './fs.ts';
import { bundleDigest, MANIFEST_FILE, type Bundle } from './format.ts';

/**
 * Write a bundle's files under `prefix` in an artifact store (any backend): the data first, the manifest last, so a bundle
 * cut short reads as missing, never as half a model. Returns its digest.
 */
export async function putBundle(artifacts: ArtifactStore, prefix: string, bundle: Bundle): Promise<string> {
  const text = JSON.stringify(bundle.manifest, null, 1);
  await artifacts.put(`${prefix}/${bundle.manifest.arrays.file}`, bundle.binary);
  await artifacts.put(`${prefix}/${MANIFEST_FILE}`, Buffer.from(text));
  return bundleDigest(text, bundle.binary);
}

/** Read the bundle under `prefix` (data only, never code); NOT_FOUND when it has no manifest there. */
export async function getBundle(artifacts: ArtifactStore, prefix: string): Promise<StoredBundle> {
  let text: string;
  try {
    text = (await artifacts.get(`${prefix}/${MANIFEST_FILE}`)).toString('utf8');
  } catch (e) {
    if (e instanceof CapstanError && e.code === 'NOT_FOUND') throw notFound(`no Capstan model bundle at ${prefix} (missing ${MANIFEST_FILE})`);
    throw e;
  }
  const { file } = dataFileOf(text);
  let binary: Buffer;
  try {
    binary = await artifacts.get(`${prefix}/${file}`);
  } catch (e) {
    if (!(e instanceof CapstanError && e.code === 'NOT_FOUND')) throw e;
    binary = Buffer.alloc(0);
  }
  return decodeStored(text, binary);
}
