import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeTemp } from '../../../test/helpers.ts';
import { loadFile, readTableWithDuckDb as readTable, tableOf } from './duckdb.ts';
import { profileLoaded } from './duckdb-profile.ts';

describe('readTableWithDuckDb', () => {
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

  it('a profile described from the table read is the profile DuckDB is queried for (numbers, integers, dates, text, missing)', async () => {
    const lines = ['when,amount,n,flag,city'];
    for (let i = 0; i < 500; i++) lines.push(`${i % 7 === 0 ? '' : `2024-0${1 + (i % 9)}-1${i % 10} 0${i % 10}:30:00`},${i % 11 === 0 ? '' : (i * 1.37) % 97},${i % 13},${i % 2 === 0},${['Oslo', 'Lima', ''][i % 3]}`);
    const loaded = await loadFile(writeTemp('mixed.csv', lines.join('\n') + '\n'));
    try {
      const table = await tableOf(loaded);
      assert.deepEqual(await profileLoaded(loaded, 'mixed.csv', table), await profileLoaded(loaded, 'mixed.csv'));
    } finally {
      await loaded.drop();
    }
  });
});
