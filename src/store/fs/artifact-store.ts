import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, type ReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { CapstanError, invalid, notFound } from '../../core/errors.ts';
import { checkPath } from '../../core/names.ts';

const DIGEST = /^[0-9a-f]{64}$/;

/**
 * Artifacts under one root folder: content-addressed blobs (`blobs/sha256/ab/abcd...`) written atomically (temp file, fsync,
 * rename, fsync of the folder), and named folders for model bundles. Every name passes `checkPath` (decoded repeatedly,
 * NFKC-stable, no `..`, absolute paths, backslashes, NUL, control characters, `#`, `;`) and a final containment check before it
 * touches the filesystem.
 */
export class FsArtifactStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The absolute path of a relative artifact name, after validation. */
  resolve(name: string): string {
    const safe = checkPath('artifact path', name);
    const full = join(this.root, safe);
    const rel = relative(this.root, full);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) throw invalid('artifact path leaves the store');
    return full;
  }

  exists(name: string): boolean {
    return existsSync(this.resolve(name));
  }

  blobPath(digest: string): string {
    if (!DIGEST.test(digest)) throw invalid('digest must be 64 lower-case hex characters (sha256)');
    return join(this.root, 'blobs', 'sha256', digest.slice(0, 2), digest);
  }

  /**
   * Stream content into a blob; resolves once the blob is durable. Content over `maxBytes` is refused (PAYLOAD_TOO_LARGE) and
   * leaves nothing behind. The same content always lands on the same blob.
   */
  async putBlob(source: AsyncIterable<Uint8Array>, opts: { maxBytes?: number } = {}): Promise<{ digest: string; size: number }> {
    const limit = opts.maxBytes ?? Number.MAX_SAFE_INTEGER;
    const tmpDir = join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const fh = await open(tmp, 'wx', 0o644);
    try {
      for await (const chunk of source) {
        size += chunk.length;
        if (size > limit) throw new CapstanError('PAYLOAD_TOO_LARGE', `artifact exceeds the limit of ${limit} bytes`);
        hash.update(chunk);
        await fh.write(chunk);
      }
      await fh.sync();
    } catch (e) {
      await fh.close();
      await rm(tmp, { force: true });
      throw e;
    }
    await fh.close();
    const digest = hash.digest('hex');
    const dest = this.blobPath(digest);
    await mkdir(dirname(dest), { recursive: true });
    if (existsSync(dest)) await rm(tmp, { force: true });
    else {
      await rename(tmp, dest);
      const dir = await open(dirname(dest), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    }
    return { digest, size };
  }

  /** A read stream of a blob (NOT_FOUND when it is missing). */
  async openBlob(digest: string): Promise<{ stream: ReadStream; size: number }> {
    const path = this.blobPath(digest);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      throw notFound(`blob ${digest} is missing from the artifact store`);
    }
    return { stream: createReadStream(path), size };
  }
}
