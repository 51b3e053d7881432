import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../core/random.ts';
import { scanNumber, scanned, viewOf } from './decimal.ts';

const bytes = (s: string) => Buffer.from(s + ',', 'latin1');

/** Parse one number the way the CSV scanner does; undefined when it is not a number. */
function parse(s: string): number | undefined {
  const b = bytes(s);
  const end = scanNumber(b, 0, viewOf(b));
  return end === s.length ? scanned.value : undefined;
}

describe('decimal numbers from bytes', () => {
  it('agrees with parseFloat bit for bit on shortest and fixed-precision forms of random doubles', () => {
    const rng = new Rng(7);
    let checked = 0;
    for (let i = 0; i < 40_000; i++) {
      const scale = 10 ** (rng.int(40) - 20);
      const x = (rng.next() - 0.3) * scale;
      for (const s of [String(x), x.toPrecision(1 + rng.int(17)), x.toFixed(rng.int(12)), x.toExponential(rng.int(17))]) {
        if (s.includes('e+') && !/^-?\d/.test(s)) continue;
        const v = parse(s);
        assert.ok(Object.is(v, parseFloat(s)), `${s}: ${v} against ${parseFloat(s)}`);
        checked++;
      }
    }
    assert.ok(checked > 150_000);
  });

  it('agrees with parseFloat on long digit strings (past 19 significant digits) and edge forms', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 20_000; i++) {
      const digits = Array.from({ length: 1 + rng.int(30) }, () => String(rng.int(10))).join('');
      const point = rng.int(digits.length + 1);
      const s = `${rng.next() < 0.5 ? '-' : ''}${digits.slice(0, point)}.${digits.slice(point)}${rng.next() < 0.3 ? `e${rng.int(60) - 30}` : ''}`;
      assert.ok(Object.is(parse(s), parseFloat(s)), s);
    }
    for (const s of ['0', '-0', '007', '5.', '.5', '-.5', '1e5', '1E-5', '2.5e+3', '1e400', '1e-400', '9007199254740993', '123456789012345678901234567890', '0.1', '0.30000000000000004']) {
      assert.ok(Object.is(parse(s), parseFloat(s)), s);
    }
  });

  it('tells integers (for BIGINT columns) from decimals, and refuses what is not a number', () => {
    parse('123');
    assert.equal(scanned.integral, true);
    parse('123.0');
    assert.equal(scanned.integral, false);
    parse('1e3');
    assert.equal(scanned.integral, false);
    for (const s of ['', '-', '.', 'e5', '1e', '1e+', '-e1', '.e1']) assert.equal(parse(s), undefined, s);
  });
});
