import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { ArtifactStore } from './artifact-store.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
/** `mb` megabytes that differ from block to block, as a stream of 1 MB chunks (never held whole by the producer). */
function* blocks(mb: number, seed: number): Generator<Buffer> {
  for (let i = 0; i < mb; i++) yield Buffer.alloc(1024 * 1024, (i * 31 + seed) % 251);
}

/**
 * The behaviour every ArtifactStore backend must show (the file store and S3 today). `open` gives a fresh, empty store.
 */
export function artifactStoreConformance(label: string, open: () => Promise<ArtifactStore>): void {
  describe(`ArtifactStore conformance: ${label}`, () => {
    let s: ArtifactStore;
    before(async () => {
      s = await open();
    });
    after(() => s.close());

    it('blobs: content-addressed, the same content once, read back as written; missing ones are NOT_FOUND', async () => {
      const data = Buffer.from('{"auc": 0.91}');
      const a = await s.putBlob(Readable.from([data]));
      assert.deepEqual(a, { digest: sha(data), size: data.length });
      assert.deepEqual(await s.putBlob(Readable.from([data.subarray(0, 3), data.subarray(3)])), a, 'the same content, however it is cut');
      const { stream, size } = await s.openBlob(a.digest);
      assert.equal(size, data.length);
      assert.ok((await drain(stream)).equals(data));
      await assert.rejects(s.openBlob('0'.repeat(64)), (e: { code?: string }) => e.code === 'NOT_FOUND');
      await assert.rejects(s.openBlob('../../etc/passwd'), (e: { code?: string }) => e.code === 'INVALID_ARGUMENT');
    });

    it('large blobs stream in and out (12 MB), and content past the limit is refused leaving nothing behind', async () => {
      const expected = createHash('sha256');
      for (const b of blocks(12, 7)) expected.update(b);
      const big = await s.putBlob(Readable.from(blocks(12, 7)));
      assert.deepEqual(big, { digest: expected.digest('hex'), size: 12 * 1024 * 1024 });
      const { stream, size } = await s.openBlob(big.digest);
      assert.equal(size, 12 * 1024 * 1024);
      const back = createHash('sha256');
      for await (const c of stream) back.update(c as Buffer);
      assert.equal(back.digest('hex'), big.digest);
      const before = await s.list('');
      await assert.rejects(s.putBlob(Readable.from(blocks(10, 3)), { maxBytes: 9 * 1024 * 1024 }), (e: { code?: string }) => e.code === 'PAYLOAD_TOO_LARGE');
      await assert.rejects(s.putBlob(Readable.from([Buffer.alloc(2000)]), { maxBytes: 1000 }), /exceeds the limit of 1000 bytes/);
      assert.deepEqual(await s.list(''), before, 'a refused blob leaves no object');
    });

    it('named objects: put, get, open, exists, list by prefix, replace, delete; names never leave the store', async () => {
      await s.put('models/churn/v1/capstan-model.json', Buffer.from('{"a":1}'));
      await s.put('models/churn/v1/arrays.bin', Readable.from(blocks(2, 1)));
      await s.put('models/other/v1/capstan-model.json', Buffer.from('{}'));
      assert.equal((await s.get('models/churn/v1/capstan-model.json')).toString(), '{"a":1}');
      const { stream, size } = await s.open('models/churn/v1/arrays.bin');
      assert.equal(size, 2 * 1024 * 1024);
      assert.equal((await drain(stream)).length, 2 * 1024 * 1024);
      assert.equal(await s.exists('models/churn/v1/arrays.bin'), true);
      assert.equal(await s.exists('models/churn/v2/arrays.bin'), false);
      assert.deepEqual(await s.list('models/churn/'), ['models/churn/v1/arrays.bin', 'models/churn/v1/capstan-model.json']);
      assert.deepEqual(await s.list('models/churn'), ['models/churn/v1/arrays.bin', 'models/churn/v1/capstan-model.json']);
      assert.deepEqual(await s.list('models/nothing/'), []);
      await s.put('models/churn/v1/capstan-model.json', Buffer.from('{"a":2}'));
      assert.equal((await s.get('models/churn/v1/capstan-model.json')).toString(), '{"a":2}');
      await s.delete('models/churn/v1/capstan-model.json');
      await s.delete('models/churn/v1/capstan-model.json');
      assert.equal(await s.exists('models/churn/v1/capstan-model.json'), false);
      await assert.rejects(s.get('models/churn/v1/capstan-model.json'), (e: { code?: string }) => e.code === 'NOT_FOUND');
      await assert.rejects(s.open('nope.txt'), (e: { code?: string }) => e.code === 'NOT_FOUND');
      for (const bad of ['../escape', '/etc/passwd', 'a/../../b', 'a\\b', '%2e%2e/x']) {
        await assert.rejects(s.put(bad, Buffer.from('x')), (e: { code?: string }) => e.code === 'INVALID_ARGUMENT', bad);
        await assert.rejects(s.get(bad), (e: { code?: string }) => e.code === 'INVALID_ARGUMENT', bad);
      }
      assert.match(s.locate('models/churn/v1/arrays.bin'), /models\/churn\/v1\/arrays\.bin$/);
    });
  });
}
