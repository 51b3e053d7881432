import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CsvInSequence, CsvScanner, CsvUnsupported, mergeScans, NUMBER, TEXT, UNSEEN, type ScannedColumns } from './scanner.ts';
import { TextValues } from './text-values.ts';

/** Scan records (no header) in one go; the text must end with a line feed. */
function scan(text: string, width: number, quotes = true): ScannedColumns {
  const s = new CsvScanner(width, quotes);
  const buf = Buffer.from(text);
  assert.equal(s.scan(buf, 0, buf.length), buf.length);
  return s.result();
}

const numbers = (r: ScannedColumns, j: number) => r.numbers[j].flatMap((p) => [...p]);
const counts = (r: ScannedColumns, j: number) => Object.fromEntries(TextValues.from(r.texts[j]!).summary(100).top.map((t) => [t.value, t.count]));

describe('CSV scanner', () => {
  it('reads numbers, text, missing values, quotes with "" escapes and CRLF line ends', () => {
    const r = scan('1,a,\r\n-2.5,"b ""x"", y",7\n,"",1e3\n4,a,\n', 3);
    assert.equal(r.rows, 4);
    assert.deepEqual([...r.kinds], [NUMBER, TEXT, NUMBER]);
    assert.deepEqual(numbers(r, 0), [1, -2.5, NaN, 4]);
    assert.deepEqual(numbers(r, 2), [NaN, 7, 1000, NaN]);
    assert.deepEqual(counts(r, 1), { a: 2, 'b "x", y': 1 });
    assert.deepEqual([...r.integral], [0, 1, 0]);
  });

  it('keeps a column that starts as text as text, numbers and all', () => {
    const r = scan('x\n1\n2\n', 1);
    assert.equal(r.kinds[0], TEXT);
    assert.deepEqual(counts(r, 0), { x: 1, '1': 1, '2': 1 });
  });

  it('leaves to DuckDB what it would read differently: numbers then text, ragged rows, stray quotes', () => {
    assert.throws(() => scan('1\nx\n', 1), CsvUnsupported);
    assert.throws(() => scan('1,2\n3\n', 2), /fewer fields/);
    assert.throws(() => scan('1,2\n3,4,5\n', 2), /more fields/);
    assert.throws(() => scan('a"b,1\n', 2), CsvUnsupported);
    assert.throws(() => scan('"a"b,1\n', 2), CsvUnsupported);
    assert.throws(() => scan('"1",2\n', 2, false), CsvInSequence);
  });

  it('stops before a record whose quoted field runs past the bytes given, and counts it once when given again', () => {
    const s = new CsvScanner(2);
    const whole = Buffer.from('a,"one\nline"\nb,"two"\n');
    const firstLine = whole.indexOf(10) + 1;
    assert.equal(s.scan(whole, 0, firstLine), 0);
    assert.equal(s.rows, 0);
    assert.equal(s.scan(whole, 0, whole.length), whole.length);
    const r = s.result();
    assert.deepEqual(counts(r, 0), { a: 1, b: 1 });
    assert.deepEqual(counts(r, 1), { 'one\nline': 1, two: 1 });
  });

  it('merges rows read by two threads back into file order, and refuses columns whose kinds disagree', () => {
    const block = (k: number, text: string) => {
      const s = new CsvScanner(2, false);
      const buf = Buffer.from(text);
      s.scan(buf, 0, buf.length);
      return s.result([k, 0, s.rows]);
    };
    const a = block(1, '3,x\n4,y\n');
    const b = block(0, '1,x\n2,\n');
    const m = mergeScans(a, b);
    assert.equal(m.rows, 4);
    assert.deepEqual(numbers(m, 0), [1, 2, 3, 4]);
    assert.deepEqual(counts(m, 1), { x: 2, y: 1 });
    const unseen = block(2, ',\n');
    assert.equal(unseen.kinds[0], UNSEEN);
    assert.deepEqual(numbers(mergeScans(m, unseen), 0), [1, 2, 3, 4, NaN]);
    assert.throws(() => mergeScans(a, block(3, 'z,x\n')), CsvInSequence);
  });
});
