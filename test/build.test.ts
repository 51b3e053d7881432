import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
// @ts-expect-error plain JavaScript module of the launcher, without type declarations
import { builtIsFresh } from '../bin/fresh.js';

describe('the compiled build runs only while it is fresh', () => {
  it('is used when complete and newer than every source, and not after a source changes or without the build mark', () => {
    const root = mkdtempSync(join(tmpdir(), 'capstan-build-'));
    mkdirSync(join(root, 'src', 'deep'), { recursive: true });
    mkdirSync(join(root, 'dist'));
    const source = join(root, 'src', 'deep', 'a.ts');
    writeFileSync(source, 'export {};\n');
    const t = Date.now() / 1000;
    utimesSync(source, t - 100, t - 100);
    assert.equal(builtIsFresh(root), false, 'no build mark: an interrupted build');
    const mark = join(root, 'dist', '.built');
    writeFileSync(mark, '');
    utimesSync(mark, t - 50, t - 50);
    assert.equal(builtIsFresh(root), true);
    utimesSync(source, t, t);
    assert.equal(builtIsFresh(root), false, 'a source edited after the build');
  });
});
