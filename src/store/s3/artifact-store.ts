import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, NoSuchKey, NotFound, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { CapstanError, invalid, notFound } from '../../core/errors.ts';
import { checkPath } from '../../core/names.ts';
import { blobName, DIGEST_PATTERN, type ArtifactStore } from '../artifact-store.ts';

/** Content up to this size is hashed in memory and written once under its blob name; larger content streams in parts. */
const IN_MEMORY = 8 * 1024 * 1024;
const PART = 8 * 1024 * 1024;

function missing(e: unknown): boolean {
  return e instanceof NoSuchKey || e instanceof NotFound || (e instanceof S3ServiceException && (e.$metadata?.httpStatusCode === 404 || e.name === 'NoSuchKey' || e.name === 'NotFound'));
}

/**
 * Artifacts in an S3-compatible object store: `s3://bucket/prefix`, with the standard AWS settings from the environment
 * (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, and `AWS_ENDPOINT_URL` for MinIO and other S3-compatible stores,
 * which then get path-style addressing). Objects are atomic by S3's own guarantee; a blob larger than a few MB streams to a
 * temporary key in parts while it is hashed, then is copied to its content name.
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly uri: string;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly client: S3Client;

  constructor(uri: string, env: NodeJS.ProcessEnv = process.env) {
    const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
    if (!m) throw invalid(`artifact URI "${uri.slice(0, 100)}" must be s3://BUCKET[/PREFIX] (a bucket name of 3-63 lower-case letters, digits, "." or "-")`);
    this.bucket = m[1];
    this.prefix = (m[2] ?? '').replace(/\/+$/, '');
    if (this.prefix) checkPath('artifact URI prefix', this.prefix);
    this.uri = uri.replace(/\/+$/, '');
    const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
    // Capstan supports Node 20 with the SDK versions it installs; the SDK's notice about its future releases is not the user's concern
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new S3Client({
      region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      // checksums only where S3 requires them: S3-compatible stores differ in the trailers they accept
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private key(name: string): string {
    const safe = checkPath('artifact path', name);
    return this.prefix ? `${this.prefix}/${safe}` : safe;
  }

  locate(name: string): string {
    return `s3://${this.bucket}/${this.key(name)}`;
  }

  private async upload(key: string, body: Uint8Array | Readable): Promise<void> {
    await new Upload({ client: this.client, params: { Bucket: this.bucket, Key: key, Body: body }, partSize: PART, queueSize: 2 }).done();
  }

  private async head(key: string): Promise<number | null> {
    try {
      return (await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))).ContentLength ?? 0;
    } catch (e) {
      if (missing(e)) return null;
      throw unavailable(e);
    }
  }

  async putBlob(source: AsyncIterable<Uint8Array>, opts: { maxBytes?: number } = {}): Promise<{ digest: string; size: number }> {
    const limit = opts.maxBytes ?? Number.MAX_SAFE_INTEGER;
    const hash = createHash('sha256');
    const iterator = source[Symbol.asyncIterator]();
    const head: Buffer[] = [];
    let size = 0;
    let refusal: CapstanError | null = null;
    const take = (chunk: Uint8Array) => {
      size += chunk.length;
      if (size > limit) throw (refusal = new CapstanError('PAYLOAD_TOO_LARGE', `artifact exceeds the limit of ${limit} bytes`));
      hash.update(chunk);
    };
    // small content: in memory, written once under its content name
    let next = await iterator.next();
    while (!next.done && size <= IN_MEMORY) {
      take(next.value);
      head.push(Buffer.from(next.value));
      next = await iterator.next();
    }
    if (next.done) {
      const digest = hash.digest('hex');
      const key = this.key(blobName(digest));
      if ((await this.head(key)) === null) await this.upload(key, Buffer.concat(head)).catch((e) => Promise.reject(unavailable(e)));
      return { digest, size };
    }
    // large content: streamed in parts to a temporary key while hashed, then copied to its content name
    const tmp = this.key(`tmp/${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`);
    const pending = next;
    const rest = Readable.from(
      (async function* () {
        yield* head;
        for (let r: IteratorResult<Uint8Array> = pending; !r.done; r = await iterator.next()) {
          take(r.value);
          yield r.value;
        }
      })(),
    );
    try {
      await this.upload(tmp, rest);
      const digest = hash.digest('hex');
      const key = this.key(blobName(digest));
      if ((await this.head(key)) === null) await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: key, CopySource: `${this.bucket}/${encodeURIComponent(tmp).replace(/%2F/g, '/')}` }));
      return { digest, size };
    } catch (e) {
      // the upload reports its own failure (an abort of the parts) when the limit stopped the stream: the limit is the reason
      throw refusal ?? (e instanceof CapstanError ? e : unavailable(e));
    } finally {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: tmp })).catch(() => undefined);
    }
  }

  async openBlob(digest: string): Promise<{ stream: Readable; size: number }> {
    if (!DIGEST_PATTERN.test(digest)) throw invalid('digest must be 64 lower-case hex characters (sha256)');
    try {
      return await this.openKey(this.key(blobName(digest)));
    } catch (e) {
      if (e instanceof CapstanError && e.code === 'NOT_FOUND') throw notFound(`blob ${digest} is missing from the artifact store`);
      throw e;
    }
  }

  private async openKey(key: string): Promise<{ stream: Readable; size: number }> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return { stream: r.Body as Readable, size: r.ContentLength ?? 0 };
    } catch (e) {
      if (missing(e)) throw notFound(`artifact "${key}" not found`);
      throw unavailable(e);
    }
  }

  async put(name: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<{ size: number }> {
    let size = 0;
    const body = data instanceof Uint8Array ? data : Readable.from((async function* () {
      for await (const c of data) {
        size += c.length;
        yield c;
      }
    })());
    try {
      await this.upload(this.key(name), body);
    } catch (e) {
      throw unavailable(e);
    }
    return { size: data instanceof Uint8Array ? data.length : size };
  }

  async get(name: string): Promise<Buffer> {
    const { stream } = await this.openKey(this.key(name));
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  open(name: string): Promise<{ stream: Readable; size: number }> {
    return this.openKey(this.key(name));
  }

  async exists(name: string): Promise<boolean> {
    return (await this.head(this.key(name))) !== null;
  }

  async list(prefix: string): Promise<string[]> {
    const base = prefix.replace(/\/+$/, '');
    const full = base === '' ? (this.prefix ? `${this.prefix}/` : '') : `${this.key(base)}/`;
    const names: string[] = [];
    let token: string | undefined;
    do {
      let r;
      try {
        r = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: full, ContinuationToken: token }));
      } catch (e) {
        throw unavailable(e);
      }
      for (const o of r.Contents ?? []) if (o.Key) names.push(this.prefix ? o.Key.slice(this.prefix.length + 1) : o.Key);
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return names.filter((n) => !n.startsWith('tmp/')).sort();
  }

  async delete(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
    } catch (e) {
      if (!missing(e)) throw unavailable(e);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** An object store that cannot be reached or refuses us: UNAVAILABLE, with its own words for the log. */
function unavailable(e: unknown): CapstanError {
  if (e instanceof CapstanError) return e;
  return new CapstanError('UNAVAILABLE', `the S3 artifact store did not answer as expected: ${(e as Error)?.name ?? 'error'}`, { cause: e });
}
