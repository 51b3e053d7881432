import assert from 'node:assert/strict';
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { describe, it } from 'node:test';
import { anonymousFiles, closeFiles, NumberSpill, spillRefused } from './number-spill.ts';

describe('number spill files', () => {
  it('write pieces and read rows back across pieces, from files without names', () => {
    const [fd] = anonymousFiles(1);
    try {
      assert.equal(fstatSync(fd).nlink, 0);
      // 2 columns, pieces of 4 rows: column 1 holds 0..9
      const spill = new NumberSpill(fd, 2, 4);
      spill.write(0, 1, Float64Array.of(0, 1, 2, 3));
      spill.write(1, 1, Float64Array.of(4, 5, 6, 7));
      spill.write(2, 1, Float64Array.of(8, 9, NaN, NaN), 2);
      const got: number[] = [];
      for (const chunk of spill.rows(1, 2, 10, new Float64Array(4))) got.push(...chunk);
      assert.deepEqual(got, [2, 3, 4, 5, 6, 7, 8, 9]);
      assert.throws(() => [...spill.rows(1, 0, 13, new Float64Array(4))], /ends before row 10 of column 2/);
    } finally {
      closeFiles([fd]);
    }
  });

  it('tell a full disk from other failures (a real ENOSPC from /dev/full)', () => {
    const fd = openSync('/dev/full', 'w');
    let err: unknown;
    try {
      writeSync(fd, Buffer.alloc(8));
    } catch (e) {
      err = e;
    } finally {
      closeSync(fd);
    }
    assert.equal((err as { code?: string }).code, 'ENOSPC');
    assert.equal(spillRefused(err), true);
    assert.equal(spillRefused(new Error('other')), false);
    assert.equal(spillRefused(null), false);
  });
});
