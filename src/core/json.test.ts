import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonString } from './json.ts';

describe('jsonString', () => {
  it('equals JSON.stringify for plain text and for everything that needs escaping', () => {
    const cases = ['', 'Electronic check', 'naïve café', '日本語', 'a"b', 'back\\slash', 'tab\there', 'nl\n', '\u0000', '\u001f', '\u007f', 'pair 😀', 'lone \ud800', 'lone \udfff end', '</script>', '\u2028\u2029'];
    for (let c = 0; c < 0x10000; c += 37) cases.push(`x${String.fromCharCode(c)}y`);
    for (const s of cases) assert.equal(jsonString(s), JSON.stringify(s), JSON.stringify(s));
  });
});
