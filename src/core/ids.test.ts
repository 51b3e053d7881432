import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId } from './ids.ts';

describe('ids', () => {
  it('are 28 hex chars, unique, and sort by the time they were made', async () => {
    const before = Date.now();
    const ids = Array.from({ length: 100_000 }, newId);
    await new Promise((r) => setTimeout(r, 5));
    const later = newId();
    assert.ok(ids.every((id) => /^[0-9a-f]{28}$/.test(id)));
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(parseInt(ids[0].slice(0, 12), 16) >= before);
    assert.ok(ids.every((id) => id < later), 'an id made later sorts after');
  });
});
