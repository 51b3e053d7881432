import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonNumber, jsonString, jsonStringArray, jsonStrings, nestsDeeperThan } from './json.ts';

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

describe('nestsDeeperThan', () => {
  it('is true only past the limit, whether counted or walked, and brackets in strings do not count', () => {
    const nested = (d: number) => '['.repeat(d) + ']'.repeat(d);
    assert.equal(nestsDeeperThan(nested(64)), false);
    assert.equal(nestsDeeperThan(nested(65)), true);
    assert.equal(nestsDeeperThan(Buffer.from(nested(65))), true);
    assert.equal(nestsDeeperThan(new Uint8Array(Buffer.from(`{"a":${nested(65)}}`)).subarray(0)), true);
    // more openings than the limit, side by side or inside strings: shallow
    assert.equal(nestsDeeperThan(JSON.stringify(Array.from({ length: 200 }, () => [{}]))), false);
    assert.equal(nestsDeeperThan(JSON.stringify({ s: '['.repeat(500), t: '{\\"['.repeat(100) })), false);
    assert.equal(nestsDeeperThan(`["${'['.repeat(100)}", ${nested(3)}]`, 3), true);
    assert.equal(nestsDeeperThan(`["${'['.repeat(100)}", ${nested(2)}]`, 3), false);
  });
});
