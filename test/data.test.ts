import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Rng } from '../src/core/random.ts';
import { domainOf, inferSchema, loadFile, profileFile, readTable, validateFile, type AnomalyKind, type DataSchema } from '../src/data/index.ts';
import { profileLoaded } from '../src/data/ingest/duckdb-profile.ts';
import { cli, tempHome, TELCO } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'capstan-data-'));
function file(name: string, text: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** n rows: id, x ~ U(shift, 1+shift), k in a/b/c, y = 1 when x > 0.5, plus a label column; every row distinct. */
function csv(n: number, seed: number, opts: { shift?: number; extraCategory?: boolean; missingX?: number } = {}): string {
  const rng = new Rng(seed);
  const lines = ['id,x,k,y'];
  for (let i = 0; i < n; i++) {
    const x = rng.next() + (opts.shift ?? 0);
    const k = opts.extraCategory && i % 10 === 0 ? 'zzz' : ['a', 'b', 'c'][rng.int(3)];
    const xs = opts.missingX && rng.next() < opts.missingX ? '' : x.toFixed(6);
    lines.push(`${i},${xs},${k},${rng.next() < 0.5 ? 'yes' : 'no'}`);
  }
  return lines.join('\n') + '\n';
}

async function schemaOf(path: string): Promise<DataSchema> {
  const f = await loadFile(path);
  try {
    const p = await profileLoaded(f, 'x');
    const domains = new Map<string, string[] | null>();
    for (const c of p.columns) if (c.type === 'categorical' || c.type === 'boolean') domains.set(c.name, await domainOf(f, c.name));
    return inferSchema(p, domains);
  } finally {
    await f.drop();
  }
}

describe('profile', () => {
  it('matches exact statistics: mean, sample std, linear-interpolated quantiles, histogram, top values', async () => {
    const values = Array.from({ length: 101 }, (_, i) => (i * 37) % 101);
    const p = await profileFile(file('p.csv', 'v,c\n' + values.map((v, i) => `${v},${i % 3 === 0 ? 'red' : 'blue'}`).join('\n') + '\n,\n'));
    const v = p.columns[0];
    assert.equal(p.rows, 102);
    assert.equal(v.missing, 1);
    assert.equal(v.mean, 50);
    const std = Math.sqrt(values.reduce((a, x) => a + (x - 50) ** 2, 0) / 100);
    assert.ok(Math.abs(v.std! - std) / std < 1e-12);
    // values are a permutation of 0..100, so the q-quantile with linear interpolation is 100 q
    for (const [q, x] of Object.entries(v.quantiles!)) assert.ok(Math.abs(x - 100 * Number(q)) < 1e-9, `quantile ${q}: ${x}`);
    assert.equal(v.histogram!.counts.reduce((a, b) => a + b, 0), 101);
    assert.deepEqual(p.columns[1].top, [{ value: 'blue', count: 67 }, { value: 'red', count: 34 }]);
  });

  it('infers semantic types', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => `${i},${i % 2},${(i * 1.5).toFixed(1)},${['x', 'y', 'z'][i % 3]},${i % 2 ? 'yes' : 'no'},2024-01-${String((i % 28) + 1).padStart(2, '0')},${'long free text '.repeat(5)}${i}`);
    const p = await profileFile(file('types.csv', 'id,flag,amount,cat,yn,day,note\n' + rows.join('\n') + '\n'));
    assert.deepEqual(p.columns.map((c) => c.type), ['identifier', 'boolean', 'numeric', 'categorical', 'boolean', 'datetime', 'text']);
  });
});

describe('validate: every anomaly kind fires, clean data fires none', () => {
  const train = file('train.csv', csv(2000, 1));

  it('clean data from the same distribution: no anomaly', async () => {
    const r = await validateFile(file('clean.csv', csv(1000, 2)), await schemaOf(train), { baseline: await profileFile(train) });
    assert.deepEqual(r.anomalies, []);
  });

  const cases: [string, () => Promise<{ path: string; schema?: (s: DataSchema) => DataSchema; target?: string }>, AnomalyKind, 'error' | 'warning'][] = [
    ['missing column', async () => ({ path: file('m.csv', csv(100, 3).replace(/,y$/m, '').replace(/,(yes|no)$/gm, '')) }), 'missing_column', 'error'],
    ['unexpected column', async () => ({ path: file('u.csv', csv(100, 3).replace('id,x,k,y', 'id,x,k,y,extra').replace(/(yes|no)$/gm, '$1,1')) }), 'unexpected_column', 'warning'],
    ['type mismatch', async () => ({ path: file('t.csv', csv(100, 3).replace(/^(\d+),[0-9.]+,/gm, '$1,abc,')) }), 'type_mismatch', 'error'],
    ['out of domain', async () => ({ path: file('d.csv', csv(500, 3, { extraCategory: true })) }), 'out_of_domain', 'error'],
    ['out of range', async () => ({ path: file('r.csv', csv(500, 3, { shift: 0.5 })) }), 'out_of_range', 'error'],
    ['missing ratio', async () => ({ path: file('mr.csv', csv(500, 3, { missingX: 0.3 })), schema: (s) => ({ ...s, columns: s.columns.map((c) => ({ ...c, nullable: true })) }) }), 'missing_ratio', 'error'],
    ['unexpected missing', async () => ({ path: file('um.csv', csv(500, 3, { missingX: 0.01 })) }), 'unexpected_missing', 'error'],
    ['duplicate rows', async () => ({ path: file('dup.csv', csv(100, 3) + csv(100, 3).split('\n').slice(1, 6).join('\n') + '\n') }), 'duplicate_rows', 'warning'],
    ['distribution shift', async () => ({ path: file('s.csv', csv(1000, 3, { shift: 0.4 })), schema: (s) => ({ ...s, columns: s.columns.map((c) => ({ ...c, min: undefined, max: undefined })) }) }), 'distribution_shift', 'warning'],
    ['target leakage', async () => ({ path: file('l.csv', csv(500, 3).replace(/^(\d+),([0-9.]+),(\w),(yes|no)$/gm, (_m, i, x, _k, y) => `${i},${x},${y === 'yes' ? 'a' : 'b'},${y}`)), target: 'y' }), 'target_leakage', 'warning'],
  ];
  for (const [name, make, kind, severity] of cases) {
    it(`${name} -> ${kind} (${severity})`, async () => {
      const c = await make();
      const base = await schemaOf(train);
      const r = await validateFile(c.path, c.schema ? c.schema(base) : base, { baseline: await profileFile(train), target: c.target });
      const hit = r.anomalies.find((a) => a.kind === kind);
      assert.ok(hit, `no ${kind} in ${JSON.stringify(r.anomalies)}`);
      assert.equal(hit.severity, severity);
    });
  }
});

describe('malformed input names the file, line or column', () => {
  const cases: [string, string | Buffer, RegExp][] = [
    ['ragged.csv', 'a,b\n1,2,3\n4\n', /ragged.csv.*cannot parse as CSV/],
    ['quote.csv', 'a,b\n1,"open\n2,3\n', /quote.csv.*(unterminated|cannot parse)/],
    ['empty.csv', '', /empty.csv is empty \(0 bytes\)/],
    ['latin1.csv', Buffer.concat([Buffer.from('name,v\n'), Buffer.from([0x43, 0x61, 0x66, 0xe9]), Buffer.from(',1\n')]), /latin1.csv.*(UTF-8|unicode)/i],
  ];
  for (const [name, text, re] of cases) it(name, async () => assert.rejects(readTable(file(name, text)), re));

  it('a header-only file reads as 0 rows', async () => assert.equal((await readTable(file('header.csv', 'a,b\n'))).rows, 0));

  it('a 10 000-column file is refused by the column limit, naming it', async () => {
    const header = Array.from({ length: 10_000 }, (_, i) => `c${i}`).join(',');
    const p = file('wide.csv', `${header}\n${Array(10_000).fill('1').join(',')}\n`);
    await assert.rejects(loadFile(p), /wide.csv has 10000 columns; the limit is 5000 \(raise it with --max-columns\)/);
    assert.equal((await loadFile(p, { maxColumns: 20_000 })).columns.length, 10_000);
  });
});

describe('capstan data CLI', () => {
  it('profile --json, schema, validate exit codes, register is idempotent', () => {
    const home = tempHome();
    const prof = JSON.parse(cli(['data', 'profile', TELCO, '--json'], home).stdout);
    assert.equal(prof.rows, 7043);
    assert.deepEqual(Object.keys(prof.columns[0]), ['name', 'type', 'storage', 'count', 'missing', 'distinct', 'mean', 'std', 'min', 'max', 'quantiles', 'histogram', 'top']);
    const schemaPath = join(dir, 'telco.schema.json');
    assert.equal(cli(['data', 'schema', TELCO, '--out', schemaPath], home).status, 0);
    assert.equal(cli(['data', 'validate', TELCO, '--schema', schemaPath], home).status, 0);
    const shifted = file('telco-shifted.csv', csv(200, 9));
    const bad = cli(['data', 'validate', shifted, '--schema', schemaPath, '--json'], home);
    assert.equal(bad.status, 1);
    assert.ok(JSON.parse(bad.stdout).errors > 0);
    const a = cli(['data', 'register', TELCO, '--name', 'telco', '--json'], home);
    const b = cli(['data', 'register', TELCO, '--name', 'telco', '--json'], home);
    assert.equal(JSON.parse(a.stdout).version, 1);
    assert.equal(JSON.parse(b.stdout).version, 1);
    const shown = JSON.parse(cli(['data', 'show', 'telco', '--json'], home).stdout);
    assert.equal(shown.schema.format, 'capstan-schema');
    // without --json: a summary and one row per column, not the raw record
    const text = cli(['data', 'show', 'telco'], home).stdout;
    assert.match(text, /^telco version 1: 7043 rows, 20 columns, registered /);
    assert.match(text, /\ntenure +(numeric|integer) +0 +\d+ +mean /);
    assert.doesNotMatch(text, /[{}]/);
    assert.equal(cli(['data', 'show', 'nope'], home).status, 1);
  });

  it('register checks a new version against the previous one (schema, drift) and keeps the findings with it', () => {
    const home = tempHome();
    const first = cli(['data', 'register', file('v1.csv', csv(400, 1)), '--name', 'events', '--json'], home);
    assert.equal(JSON.parse(first.stdout).validation, null, 'a first version has nothing to be checked against');
    const same = cli(['data', 'register', file('v1-again.csv', csv(400, 2)), '--name', 'events'], home);
    assert.equal(same.status, 0, same.stderr);
    assert.match(same.stdout, /^dataset events version 2: .*\nchecked against v1 \([^)]+\): 0 errors, \d+ warnings?\n( {2}WARNING out_of_range .*\n)*$/);
    const drifted = cli(['data', 'register', file('v3.csv', csv(400, 3, { shift: 0.6, extraCategory: true })), '--name', 'events', '--json'], home);
    assert.equal(drifted.status, 0, 'the version is registered whatever its anomalies; data validate is the gate');
    const found = JSON.parse(drifted.stdout).validation;
    assert.deepEqual(found.against, { name: 'events', version: 2 });
    const kinds = new Set(found.anomalies.map((a: { kind: string; column: string }) => `${a.kind}:${a.column}`));
    for (const k of ['out_of_range:x', 'out_of_domain:k', 'distribution_shift:x']) assert.ok(kinds.has(k), `${k} in ${[...kinds].join(', ')}`);
    const shown = JSON.parse(cli(['data', 'show', 'events:3', '--json'], home).stdout);
    assert.equal(shown.validations.length, 1);
    assert.ok(shown.validations[0].drift.features.some((f: { name: string; drifted: boolean }) => f.name === 'x' && f.drifted));
    assert.match(cli(['data', 'show', 'events:3'], home).stdout, /\nchecked against v2 \([^)]+\): [1-9]\d* errors, \d+ warnings\n {2}ERROR {3}out_of_range +column "x"/);
    assert.equal(JSON.parse(cli(['data', 'register', file('v3-again.csv', csv(400, 3, { shift: 0.6, extraCategory: true })), '--name', 'events', '--json'], home).stdout).validation, null, 'the same content again: no new check');
  });
});

describe('input limits', () => {
  it('--sample reads a seeded sample; --max-rows and --max-bytes refuse, naming the limit', () => {
    const home = tempHome();
    const sampled = JSON.parse(cli(['data', 'profile', TELCO, '--sample', '500', '--json'], home).stdout);
    assert.equal(sampled.rows, 500);
    const again = JSON.parse(cli(['data', 'profile', TELCO, '--sample', '500', '--json'], home).stdout);
    assert.deepEqual(again.columns[4], sampled.columns[4]);
    const rows = cli(['data', 'profile', TELCO, '--max-rows', '100'], home);
    assert.equal(rows.status, 1);
    assert.match(rows.stderr, /telco_churn.csv has 7043 rows; the limit is 100/);
    assert.match(cli(['data', 'validate', TELCO, '--schema', TELCO, '--max-bytes', '10'], home).stderr, /(not valid JSON|the limit is 10)/);
  });
});
