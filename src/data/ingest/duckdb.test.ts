import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeTemp } from '../../../test/helpers.ts';
import { readTable } from './duckdb.ts';

describe('readTable', () => {
  it('reads numbers as Float64 with NaN for missing and text as categories', async () => {
    const t = await readTable(writeTemp('a.csv', 'x,y,label\n1,a,Yes\n,b,No\n3.5,a,Yes\n'));
    assert.equal(t.rows, 3);
    const [x, y, label] = t.columns;
    assert.equal(x.kind, 'numeric');
    assert.deepEqual(Array.from(x.kind === 'numeric' ? x.values : []), [1, NaN, 3.5]);
    assert.equal(y.kind, 'categorical');
    // Yes/No stays text: DuckDB must not turn a target into booleans
    assert.equal(label.kind, 'categorical');
    assert.deepEqual(label.kind === 'categorical' ? label.categories : [], ['Yes', 'No']);
  });

  it('names the file for a missing or empty file', async () => {
    await assert.rejects(readTable('/nonexistent/nope.csv'), /file not found: \/nonexistent\/nope.csv/);
    await assert.rejects(readTable(writeTemp('empty.csv', '')), /empty.csv is empty/);
  });

  it('names line and column when a forced numeric column has text', async () => {
    await assert.rejects(readTable(writeTemp('bad.csv', 'a,b\n1,2\n3,abc\n'), { types: { b: 'numeric' } }), /bad.csv line 3: column "b" expects numbers but has "abc"/);
  });

  it('rejects rows with different numbers of fields', async () => {
    await assert.rejects(readTable(writeTemp('ragged.csv', 'a,b\n1,2,3\n4\n')), /ragged.csv: cannot parse as CSV/);
  });
});
