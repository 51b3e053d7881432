import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { tempHome } from '../../../test/helpers.ts';
import { artifactStoreConformance } from '../artifact-conformance.ts';
import { FsArtifactStore } from './artifact-store.ts';

artifactStoreConformance('file store', async () => new FsArtifactStore(join(tempHome(), 'artifacts')));

describe('FsArtifactStore', () => {
  const store = new FsArtifactStore('/tmp/capstan-artifacts');

  it('maps plain relative names under the root', () => {
    assert.equal(store.resolve('models/m/abc'), '/tmp/capstan-artifacts/models/m/abc');
  });

  for (const bad of ['../etc/passwd', '/etc/passwd', 'a/../../b', '%2e%2e/x', '%252e%252e%252fx', 'a\\b', 'a\u0000b', 'a#b', 'a;b', 'a//b', './a', '\uff0e\uff0e/x', '', 'C:/x', 'a/%00']) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => store.resolve(bad), /artifact path .*(is not allowed|is required|malformed)/);
    });
  }

  it('stores blobs by content, streaming, and reads them back', async () => {
    const s = new FsArtifactStore(join(tempHome(), 'artifacts'));
    const data = Buffer.alloc(3 * 65536 + 7, 'x');
    const put = await s.putBlob(Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]));
    assert.equal(put.digest, createHash('sha256').update(data).digest('hex'));
    assert.equal(put.size, data.length);
    const again = await s.putBlob(Readable.from([data]));
    assert.equal(again.digest, put.digest);
    const { stream, size } = await s.openBlob(put.digest);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    assert.equal(size, data.length);
    assert.ok(Buffer.concat(chunks).equals(data));
    assert.deepEqual(readdirSync(join(s.root, 'tmp')), [], 'no temp files left');
  });

  it('refuses content over the limit and leaves nothing behind', async () => {
    const s = new FsArtifactStore(join(tempHome(), 'artifacts'));
    await assert.rejects(s.putBlob(Readable.from([Buffer.alloc(2000)]), { maxBytes: 1000 }), /exceeds the limit of 1000 bytes/);
    assert.deepEqual(readdirSync(join(s.root, 'tmp')), []);
    await assert.rejects(s.openBlob('0'.repeat(64)), /missing/);
    await assert.rejects(s.openBlob('../x'), /digest must be/);
  });
});
