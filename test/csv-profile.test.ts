import assert from 'node:assert/strict';
import { fstatSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Rng } from '../src/core/random.ts';
import { CsvUnsupported } from '../src/data/csv/scanner.ts';
import { profileCsv, readCsv, readCsvTable } from '../src/data/ingest/csv-profile.ts';
import { loadFile, readTableWithDuckDb } from '../src/data/ingest/duckdb.ts';
import { profiledLoaded } from '../src/data/ingest/duckdb-profile.ts';
import type { Table } from '../src/core/table.ts';
import { anonymousFiles, closeFiles } from '../src/data/ingest/number-spill.ts';
import { profileWithDuckDb } from '../src/data/ingest/duckdb-profile.ts';
import { profileFile, readProfiled, readTable } from '../src/data/index.ts';
import { PENGUINS, TELCO } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'capstan-csv-'));
function file(name: string, text: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Profiles compared as JSON (NaN and Infinity as null), with means and standard deviations to 1e-12 relative. */
function assertSameProfile(ours: unknown, duck: unknown, where: string): void {
  const close = (a: unknown, b: unknown, path: string): void => {
    if (typeof a === 'number' && typeof b === 'number' && /\.(mean|std)$/.test(path)) {
      assert.ok(a === b || Math.abs(a - b) <= 1e-12 * Math.abs(b), `${where} ${path}: ${a} against ${b}`);
    } else if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
      assert.deepEqual(Object.keys(a), Object.keys(b), `${where} ${path}`);
      for (const k of Object.keys(a)) close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    } else assert.deepEqual(a, b, `${where} ${path}`);
  };
  close(JSON.parse(JSON.stringify(ours)), JSON.parse(JSON.stringify(duck)), '');
}

/** A table with every kind of column the scanner reads: decimals, integers, exponents, gaps, text with quotes and commas, UTF-8. */
function mixed(rows: number, seed: number, crlf = false): string {
  const rng = new Rng(seed);
  const lines = ['"x",y,count,"na me",note,gappy,flag'];
  for (let i = 0; i < rows; i++) {
    const x = (rng.next() - 0.5) * 10 ** (rng.int(12) - 4);
    const note = ['plain', 'with, comma', 'a "quoted" word', 'naïve café', 'multi\nline'][rng.int(5)];
    const quoted = /[",\n]/.test(note) ? `"${note.replaceAll('"', '""')}"` : note;
    lines.push([String(x), x.toExponential(rng.int(10)), String(rng.int(1000)), ['red', 'green', 'blue'][rng.int(3)], quoted, rng.next() < 0.1 ? '' : rng.next().toFixed(rng.int(9)), rng.next() < 0.5 ? 'yes' : 'no'].join(','));
  }
  return lines.join(crlf ? '\r\n' : '\n') + (crlf ? '\r\n' : '\n');
}

describe('CSV profiles without DuckDB', () => {
  it('equal DuckDB profiles on the quickstart data and on generated tables, read in sequence and on two threads', async () => {
    const files = [TELCO, file('mixed.csv', mixed(3000, 1)), file('crlf.csv', mixed(500, 2, true)), file('no-final-newline.csv', mixed(200, 3).trimEnd()), file('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(mixed(100, 4))]))];
    for (const f of files) {
      const duck = await profileWithDuckDb(f);
      assertSameProfile(await profileCsv(f), duck, `${f} in sequence`);
      // tiny blocks: records and quoted fields cross every buffer boundary; the quotes send the two-thread reading back
      // to reading in sequence
      assertSameProfile(await profileCsv(f, {}, { parallelFrom: 0, block: 64 }), duck, `${f} in 64-byte blocks`);
    }
  });

  it('reads a file without quotes on two threads, in the same order as in sequence', async () => {
    const rng = new Rng(9);
    const lines = ['a,b,c,d'];
    for (let i = 0; i < 20_000; i++) lines.push(`${rng.next()},${rng.int(50)},${['u', 'v', 'w'][rng.int(3)]},${rng.next() < 0.2 ? '' : (rng.next() * 1e6).toFixed(2)}`);
    const f = file('plain.csv', lines.join('\n') + '\n');
    const sequence = await profileCsv(f);
    // the main thread starts once the worker has its first block; on a loaded machine one thread may still read all the
    // rest, so a few tries, each of which must equal the reading in sequence
    const splits: number[][] = [];
    while (splits.length < 5 && !splits.some(([mine, all]) => mine > 0 && mine < all)) {
      const parallel = await profileCsv(f, {}, { parallelFrom: 0, block: 4096, together: true, split: (mine, all) => splits.push([mine, all]) });
      // same sums in the same order: identical to the last bit
      assert.deepEqual(parallel, sequence);
    }
    assert.ok(splits.some(([mine, all]) => mine > 0 && mine < all), `blocks read on the main thread: ${splits.map((s) => s.join(' of ')).join(', ')}`);
    assertSameProfile(sequence, await profileWithDuckDb(f), 'plain.csv');
  });

  it('leaves dates, other number notations, ragged rows and bad UTF-8 to DuckDB, which profileFile then uses', async () => {
    const cases = {
      'dates.csv': 'day,v\n2024-01-01,1\n2024-01-02,2\n',
      'plus.csv': 'v,w\n+1,a\n+2,b\n',
      'nan.csv': 'v\n1.5\nNaN\n',
      'ragged.csv': 'a,b\n1,2\n3\n',
      'latin1.csv': Buffer.concat([Buffer.from('name,v\ncaf'), Buffer.from([0xe9]), Buffer.from(',1\n')]),
      'header-only.csv': 'a,b\n',
      'repeated.csv': 'a,a\n1,2\n',
    };
    for (const [name, text] of Object.entries(cases)) {
      const f = file(name, text);
      await assert.rejects(profileCsv(f), CsvUnsupported, name);
      const viaDuck = await profileWithDuckDb(f).then(
        (p) => ({ p }),
        (e: Error) => ({ e: e.message }),
      );
      const viaFile = await profileFile(f).then(
        (p) => ({ p }),
        (e: Error) => ({ e: e.message }),
      );
      assert.deepEqual(viaFile, viaDuck, name);
    }
  });

  it('keeps the numbers of a large file in temporary files without names, with the same profile', async () => {
    // nameless from the start: whatever ends the process, nothing is left behind
    const fds = anonymousFiles(2);
    assert.deepEqual(fds.map((fd) => fstatSync(fd).nlink), [0, 0]);
    closeFiles(fds);
    // more rows than a piece (65 536), so full pieces go to the file and their arrays are filled again; a column missing
    // for the first 70 000 rows that then holds numbers, and one that then holds text (its spilled pieces are not read)
    const rng = new Rng(11);
    const lines = ['a,b,late,word'];
    for (let i = 0; i < 150_000; i++) {
      const late = i < 70_000 ? '' : (rng.next() * 100).toFixed(3);
      const word = i < 70_000 ? '' : ['p', 'q'][rng.int(2)];
      lines.push(`${rng.next() * 1e3},${rng.int(1000)},${late},${word}`);
    }
    const f = file('large.csv', lines.join('\n') + '\n');
    const inMemory = await profileCsv(f, {}, { parallelFrom: Infinity, block: 1 << 16 });
    const leftovers = () => readdirSync(tmpdir()).filter((n) => n.startsWith('capstan-spill-')).length;
    const before = leftovers();
    assert.deepEqual(await profileCsv(f, {}, { parallelFrom: Infinity, block: 1 << 16, spillFrom: 0 }), inMemory, 'in sequence');
    assert.deepEqual(await profileCsv(f, {}, { parallelFrom: 0, block: 1 << 16, together: true, spillFrom: 0 }), inMemory, 'on two threads');
    // a quote sends the two threads back to reading in sequence, which spills too
    const quoted = file('large-quoted.csv', lines.join('\n') + '\n1,2,3,"p, quoted"\n');
    const quotedInMemory = await profileCsv(quoted, {}, { parallelFrom: Infinity, block: 1 << 16 });
    assert.deepEqual(await profileCsv(quoted, {}, { parallelFrom: 0, block: 1 << 16, spillFrom: 0 }), quotedInMemory, 'after a quote');
    assert.equal(leftovers(), before);
    // a temporary directory that cannot take them: the numbers stay in memory
    const tmp = process.env.TMPDIR;
    process.env.TMPDIR = join(dir, 'missing', 'tmp');
    try {
      assert.deepEqual(await profileCsv(f, {}, { parallelFrom: Infinity, block: 1 << 16, spillFrom: 0 }), inMemory, 'without a temporary directory');
    } finally {
      if (tmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmp;
    }
  });

  it('applies the byte, column and row limits', async () => {
    const f = file('limits.csv', 'a,b,c\n1,2,3\n4,5,6\n');
    await assert.rejects(profileCsv(f, { maxBytes: 10 }), /limits.csv has 18 bytes; the limit is 10/);
    await assert.rejects(profileCsv(f, { maxColumns: 2 }), /3 columns; the limit is 2/);
    await assert.rejects(profileCsv(f, { maxRows: 1 }), /2 rows; the limit is 1/);
  });
});

/** Tables compared column by column: names and kinds, numbers to the bit, categories and codes. */
function assertSameTable(ours: Table, duck: Table, where: string): void {
  assert.equal(ours.rows, duck.rows, where);
  assert.deepEqual(
    ours.columns.map((c) => [c.name, c.kind]),
    duck.columns.map((c) => [c.name, c.kind]),
    where,
  );
  ours.columns.forEach((a, j) => {
    const b = duck.columns[j];
    if (a.kind === 'numeric' && b.kind === 'numeric') {
      assert.equal(a.temporal, b.temporal, `${where} ${a.name}`);
      const bad = a.values.findIndex((v, i) => !Object.is(v, b.values[i]));
      assert.equal(bad, -1, `${where} ${a.name} row ${bad}: ${a.values[bad]} against ${b.values[bad]}`);
    } else if (a.kind === 'categorical' && b.kind === 'categorical') {
      assert.deepEqual(a.categories, b.categories, `${where} ${a.name}`);
      const bad = a.codes.findIndex((v, i) => v !== b.codes[i]);
      assert.equal(bad, -1, `${where} ${a.name} row ${bad}`);
    }
  });
}

/** Text columns whose values first show up all over the file (so on either thread), with gaps; numbers with gaps. */
function spread(rows: number, seed: number): string {
  const rng = new Rng(seed);
  const lines = ['id,word,amount,empty,code'];
  for (let i = 0; i < rows; i++) {
    const word = rng.next() < 0.1 ? '' : `w${rng.int(Math.min(2000, 1 + i))}`;
    lines.push(`${i},${word},${rng.next() < 0.05 ? '' : (rng.next() * 1e4).toFixed(rng.int(5))},,${rng.int(2)}`);
  }
  return lines.join('\n') + '\n';
}

describe('CSV tables without DuckDB', () => {
  it("equal DuckDB's tables, profiles and category domains, read in sequence and on two threads", async () => {
    const files = [TELCO, PENGUINS, file('mixed.csv', mixed(3000, 1)), file('crlf.csv', mixed(500, 2, true)), file('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(mixed(100, 4))])), file('spread.csv', spread(30_000, 5))];
    for (const f of files) {
      const duck = await readTableWithDuckDb(f);
      assertSameTable(await readCsvTable(f), duck, `${f} in sequence`);
      assertSameTable(await readCsvTable(f, {}, { parallelFrom: 0, block: 256 }), duck, `${f} in 256-byte blocks`);
      const loaded = await loadFile(f);
      try {
        const expected = await profiledLoaded(loaded, 'data.csv', duck);
        const read = await readCsv(f, {}, { table: true, name: 'data.csv' });
        assertSameTable(read.table!, duck, `${f} with its profile`);
        assertSameProfile(read.profile, expected.profile, f);
        assert.deepEqual(read.domains, expected.domains, f);
      } finally {
        await loaded.drop();
      }
    }
  });

  it('reads on two threads the same table as in sequence, categories in the order the file shows them', async () => {
    const f = file('spread-large.csv', spread(60_000, 6));
    const sequence = await readCsvTable(f);
    const splits: number[][] = [];
    while (splits.length < 5 && !splits.some(([mine, all]) => mine > 0 && mine < all)) {
      assertSameTable(await readCsvTable(f, {}, { parallelFrom: 0, block: 8192, together: true, split: (mine, all) => splits.push([mine, all]) }), sequence, 'two threads');
    }
    assert.ok(splits.some(([mine, all]) => mine > 0 && mine < all), `blocks read on the main thread: ${splits.map((s) => s.join(' of ')).join(', ')}`);
    const word = sequence.columns[1];
    assert.ok(word.kind === 'categorical' && word.categories.length > 1000, 'the test has many categories');
  });

  it('leaves to DuckDB what the scanner does not read, through readTable and readProfiled alike', async () => {
    const dates = file('dates-table.csv', 'day,v\n2024-01-01,1\n2024-01-02,2\n');
    await assert.rejects(readCsvTable(dates), CsvUnsupported);
    const t = await readTable(dates);
    assert.equal(t.columns[0].kind === 'numeric' && t.columns[0].temporal, true);
    assertSameTable((await readProfiled(dates, {}, { table: true })).table!, t, 'dates');
    await assert.rejects(readTable(file('ragged-table.csv', 'a,b\n1,2\n3\n')), /ragged-table.csv.*cannot parse as CSV/);
    await assert.rejects(readTable(file('limited.csv', 'a\n1\n2\n'), { maxRows: 1 }), /2 rows; the limit is 1/);
  });
});
