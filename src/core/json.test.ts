import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonNumber, jsonString, jsonStringArray, jsonStrings } from './json.ts';

describe('jsonString', () => {
  it('equals JSON.stringify for plain text and for everything that needs escaping', () => {
    const cases = ['', 'Electronic check', 'naïve café', '日本語', 'a"b', 'back\\slash', 'tab\there', 'nl\n', '\u0000', '\u001f', '\u007f', 'pair 😀', 'lone \ud800', 'lone \udfff end', '</script>', '\u2028\u2029'];
    for (let c = 0; c < 0x10000; c += 37) cases.push(`x${String.fromCharCode(c)}y`);
    for (const s of cases) assert.equal(jsonString(s), JSON.stringify(s), JSON.stringify(s));
  });
});

describe('jsonNumber and jsonStrings', () => {
  it('write what JSON.stringify writes', () => {
    for (const v of [0, -0, 1.5, -1e21, 5e-324, 123456789012, NaN, Infinity, -Infinity]) assert.equal(jsonNumber(v), JSON.stringify(v));
    const list = ['a', 'b "c"', 'é\n'];
    assert.deepEqual(jsonStrings(list), list.map((s) => JSON.stringify(s)));
    assert.equal(jsonStringArray(list), JSON.stringify(list));
    assert.equal(jsonStringArray([]), '[]');
  });

  it('quote a list once while it stays the same, again once it grows', () => {
    const list = ['x'];
    const q = jsonStrings(list);
    assert.equal(jsonStrings(list), q);
    list.push('y');
    assert.deepEqual(jsonStrings(list), ['"x"', '"y"']);
    assert.equal(jsonStringArray(list), '["x","y"]');
  });
});
