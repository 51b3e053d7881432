import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, tempHome } from './helpers.ts';

const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');

/** The rules that fire on a tree of source files, by rule name and the module that broke it. */
function violations(cwd: string): string[] {
  const r = spawnSync(DEPCRUISE, ['src', '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.ok(r.stdout, r.stderr);
  const report = JSON.parse(r.stdout) as { summary: { violations: { rule: { name: string }; from: string }[] } };
  return report.summary.violations.map((v) => `${v.rule.name} ${v.from}`).sort();
}

describe('the layers DESIGN.md draws are enforced', () => {
  it('src/ keeps them: no cycle, no upward import, drivers only in their adapters', () => {
    assert.deepEqual(violations(ROOT), []);
  });

  it('the rule set catches a deliberately added upward import, cycle, driver import outside its adapter and reach into the SQL adapter', () => {
    const tree = tempHome();
    const file = (path: string, text: string) => {
      mkdirSync(dirname(join(tree, path)), { recursive: true });
      writeFileSync(join(tree, path), text);
    };
    symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
    file('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowImportingTsExtensions: true, noEmit: true } }));
    file('src/core/ok.ts', 'export const ok = 1;\n');
    // upward: the core imports the serving layer; data imports monitor
    file('src/serve/thing.ts', 'export const thing = 1;\n');
    file('src/core/upward.ts', "import { thing } from '../serve/thing.ts';\nexport const x = thing;\n");
    file('src/monitor/drift.ts', 'export const drift = 1;\n');
    file('src/data/validate.ts', "import { drift } from '../monitor/drift.ts';\nexport const v = drift;\n");
    // a cycle inside one layer
    file('src/learn/a.ts', "import { b } from './b.ts';\nexport const a = () => b;\n");
    file('src/learn/b.ts', "import { a } from './a.ts';\nexport const b = () => a;\n");
    // a driver outside its adapter
    file('src/serve/db.ts', "import Database from 'better-sqlite3';\nexport const open = () => new Database(':memory:');\n");
    // serving reaching into the SQL adapter
    file('src/store/sql/store.ts', 'export const sql = 1;\n');
    file('src/serve/log.ts', "import { sql } from '../store/sql/store.ts';\nexport const log = sql;\n");
    assert.deepEqual(violations(tree), ['driver-better-sqlite3 src/serve/db.ts', 'layer-core src/core/upward.ts', 'layer-data src/data/validate.ts', 'no-circular src/learn/a.ts', 'store-adapters-sealed src/serve/log.ts']);
  });
});
