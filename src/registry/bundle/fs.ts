import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { invalid, notFound } from '../../core/errors.ts';
import { isObject } from '../../core/json.ts';
import { ARRAYS_FILE, bundleDigest, decodeManifest, MANIFEST_FILE, ONNX_FILE, parseManifest, type Bundle, type DecodedBundle } from './format.ts';
export type { DecodedBundle };

function writeDurably(path: string, data: string | Buffer): void {
  const fd = openSync(path, 'w', 0o644);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Write a bundle directory atomically: files go to a temporary sibling, are fsynced, and the directory is renamed into place,
 * so a crash leaves either no bundle or a whole one. Returns the bundle's digest.
 */
export function writeBundleDir(dir: string, bundle: Bundle): string {
  if (existsSync(dir)) throw invalid(`model bundle directory already exists: ${dir}`);
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.tmp-${randomBytes(6).toString('hex')}`);
  mkdirSync(tmp);
  try {
    const text = JSON.stringify(bundle.manifest, null, 1);
    writeDurably(join(tmp, bundle.manifest.arrays.file), bundle.binary);
    writeDurably(join(tmp, MANIFEST_FILE), text);
    fsyncDir(tmp);
    renameSync(tmp, dir);
    fsyncDir(parent);
    return bundleDigest(text, bundle.binary);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** A bundle as read: decoded, with its digest and the bytes it came from (to hand to another thread or write elsewhere). */
export interface StoredBundle extends DecodedBundle {
  digest: string;
  manifestText: string;
  binary: Buffer;
}

/** The data file a manifest names: one of two fixed names, never a path taken from the manifest. */
export function dataFileOf(manifestText: string): { manifest: ReturnType<typeof parseManifest>; file: string } {
  const manifest = parseManifest(manifestText);
  return { manifest, file: isObject(manifest.arrays) && manifest.arrays.file === ONNX_FILE ? ONNX_FILE : ARRAYS_FILE };
}

/** A bundle from its two files' contents (data only, never code). */
export function decodeStored(manifestText: string, binary: Buffer): StoredBundle {
  const { manifest } = dataFileOf(manifestText);
  return { ...decodeManifest(manifest, binary), digest: bundleDigest(manifestText, binary), manifestText, binary };
}

/** Load a bundle directory (data only, never code). */
export function readBundleDir(dir: string): StoredBundle {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) throw notFound(`no Capstan model bundle at ${dir} (missing ${MANIFEST_FILE})`);
  const text = readFileSync(manifestPath, 'utf8');
  const { file } = dataFileOf(text);
  const binary = existsSync(join(dir, file)) ? readFileSync(join(dir, file)) : Buffer.alloc(0);
  return decodeStored(text, binary);
}

/** Write a bundle's exact bytes as a directory (a deployment's copy of a stored version). */
export function writeBundleFiles(dir: string, b: StoredBundle): void {
  mkdirSync(dir, { recursive: true });
  writeDurably(join(dir, dataFileOf(b.manifestText).file), b.binary);
  writeDurably(join(dir, MANIFEST_FILE), b.manifestText);
}
