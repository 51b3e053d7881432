import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FsArtifactStore } from './artifact-store.ts';

describe('FsArtifactStore.resolve', () => {
  const store = new FsArtifactStore('/tmp/capstan-artifacts');

  it('maps plain relative names under the root', () => {
    assert.equal(store.resolve('models/m/abc'), '/tmp/capstan-artifacts/models/m/abc');
  });

  for (const bad of ['../etc/passwd', '/etc/passwd', 'a/../../b', '%2e%2e/x', '%252e%252e%252fx', 'a\\b', 'a\u0000b', 'a#b', 'a;b', 'a//b', './a', '\uff0e\uff0e/x', '']) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => store.resolve(bad), /artifact path .* (is not allowed|leaves the store|malformed escape)/);
    });
  }
});
