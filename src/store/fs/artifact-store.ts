import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { CapstanError, invalid, notFound } from '../../core/errors.ts';
import { checkPath } from '../../core/names.ts';
import { DIGEST_PATTERN, type ArtifactStore } from '../artifact-store.ts';

/**
 * Artifacts under one root folder: content-addressed blobs (`blobs/sha256/ab/abcd...`) and named objects, each written
 * atomically (temp file, fsync, rename, fsync of the folder). Every name passes `checkPath` (decoded repeatedly, NFKC-stable,
 * no `..`, absolute paths, backslashes, NUL, control characters, `#`, `;`) and a final containment check before it touches
 * the filesystem.
 */
export class FsArtifactStore implements ArtifactStore {
  readonly root: string;
  readonly uri: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.uri = `file:${this.root}`;
  }

  /** The absolute path of a relative artifact name, after validation. */
  resolve(name: string): string {
    const safe = checkPath('artifact path', name);
    const full = join(this.root, safe);
    const rel = relative(this.root, full);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) throw invalid('artifact path leaves the store');
    return full;
  }

  async exists(name: string): Promise<boolean> {
    return existsSync(this.resolve(name));
  }

  locate(name: string): string {
    return this.resolve(name);
  }

  blobPath(digest: string): string {
    if (!DIGEST_PATTERN.test(digest)) throw invalid('digest must be 64 lower-case hex characters (sha256)');
    return join(this.root, 'blobs', 'sha256', digest.slice(0, 2), digest);
  }

  /** Stream `source` into a fresh temp file, fsynced; the caller renames it into place (or removes it). */
  private async spool(source: Uint8Array | AsyncIterable<Uint8Array>, limit = Number.MAX_SAFE_INTEGER): Promise<{ tmp: string; size: number; digest: string }> {
    const tmpDir = join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const fh = await open(tmp, 'wx', 0o644);
    try {
      for await (const chunk of source instanceof Uint8Array ? [source] : source) {
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
    return { tmp, size, digest: hash.digest('hex') };
  }

  /** Rename a spooled file into place and make the rename durable. */
  private async settle(tmp: string, dest: string): Promise<void> {
    await mkdir(dirname(dest), { recursive: true });
    await rename(tmp, dest);
    const dir = await open(dirname(dest), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  async put(name: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<{ size: number }> {
    const dest = this.resolve(name);
    const { tmp, size } = await this.spool(data);
    await this.settle(tmp, dest);
    return { size };
  }

  async get(name: string): Promise<Buffer> {
    try {
      return await readFile(this.resolve(name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR') throw notFound(`artifact "${name}" not found`);
      throw e;
    }
  }

  async open(name: string): Promise<{ stream: Readable; size: number }> {
    const path = this.resolve(name);
    let size: number;
    try {
      const st = await stat(path);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      throw notFound(`artifact "${name}" not found`);
    }
    return { stream: createReadStream(path), size };
  }

  async list(prefix: string): Promise<string[]> {
    const base = prefix.replace(/\/+$/, '');
    const dir = base === '' ? this.root : this.resolve(base);
    let entries;
    try {
      entries = await readdir(dir, { recursive: true, withFileTypes: true });
    } catch {
      return [];
    }
    return entries
      .filter((e) => e.isFile())
      .map((e) => relative(this.root, join(e.parentPath, e.name)).split(sep).join('/'))
      .filter((n) => !n.startsWith('tmp/'))
      .sort();
  }

  async delete(name: string): Promise<void> {
    await rm(this.resolve(name), { force: true });
  }

  async close(): Promise<void> {}

  /**
   * Stream content into a blob; resolves once the blob is durable. Content over `maxBytes` is refused (PAYLOAD_TOO_LARGE) and
   * leaves nothing behind. The same content always lands on the same blob.
   */
  async putBlob(source: AsyncIterable<Uint8Array>, opts: { maxBytes?: number } = {}): Promise<{ digest: string; size: number }> {
    const { tmp, size, digest } = await this.spool(source, opts.maxBytes);
    const dest = this.blobPath(digest);
    if (existsSync(dest)) await rm(tmp, { force: true });
    else await this.settle(tmp, dest);
    return { digest, size };
  }

  /** A read stream of a blob (NOT_FOUND when it is missing). */
  async openBlob(digest: string): Promise<{ stream: Readable; size: number }> {
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
