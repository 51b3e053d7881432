import { createReadStream } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { invalid } from '../../core/errors.ts';
import type { FileProfile } from '../../data/index.ts';
import { csvFields, csvRecords } from './csv-records.ts';
import { logParams } from '../../store/index.ts';
import { component, type FileRef } from './component.ts';

/* The data layer (DuckDB) loads when a step runs, not when a pipeline is linted or its steps come from the cache. */
const data = () => import('../../data/index.ts');

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}

/** A line per column of a profile: type, missing values, range and mean or the commonest values. */
function profileLines(p: FileProfile): string[] {
  return p.columns.map((c) => {
    const detail = c.mean !== null ? `range ${fmt(c.min!)}..${fmt(c.max!)}, mean ${fmt(c.mean)}` : `${c.distinct} values: ${(c.top ?? []).slice(0, 4).map((t) => t.value).join(', ')}${c.distinct > 4 ? ', ...' : ''}`;
    return `  ${c.name.padEnd(20)} ${c.type.padEnd(11)} missing ${String(c.missing).padStart(5)}  ${detail}`;
  });
}

/** A data file into the pipeline: kept as a blob, registered as a dataset version (its lineage starts here). */
export const load = component({
  name: 'capstan/load',
  version: '2',
  description: 'read a CSV, Parquet or JSON-lines file, register it as a dataset version and pass it on as a file',
  inputs: {
    path: { type: 'string', description: 'the file (relative to the pipeline file)' },
    name: { type: 'string', description: 'the dataset name (default: the file name without extension)', optional: true },
    role: { type: 'string', description: "what the run uses the data for, in its lineage (input, training, evaluation...)", default: 'input' },
  },
  outputs: {
    data: { type: 'file', description: 'the file as read' },
    rows: { type: 'number', description: 'rows' },
    columns: { type: 'number', description: 'columns' },
    dataset: { type: 'json', description: 'the dataset version: {id, name, version, contentHash, rows}' },
  },
  // the file's content, not its name: an edited file is read again
  async fingerprint(i, baseDir) {
    try {
      return await (await import('../../data/hash.ts')).fileSha256(resolve(baseDir, i.path));
    } catch {
      return 'unreadable';
    }
  },
  async reused(out, i, ctx) {
    const id = (out.dataset as { id: string }).id;
    await ctx.stores.metadata.runs.linkDataset(ctx.pipelineRunId, id, i.role);
    await ctx.stores.metadata.runs.linkDataset(ctx.runId, id, i.role);
  },
  async run(i, ctx) {
    const path = resolve(ctx.baseDir, i.path);
    const m = await data();
    const name = i.name ?? m.datasetNameOf(path);
    let blob;
    try {
      await access(path);
      blob = await ctx.stores.artifacts.putBlob(createReadStream(path));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw invalid(`file not found: ${i.path}`);
      throw e;
    }
    const file = { blob: blob.digest, size: blob.size, name: basename(path) };
    // a step after this one reads the data as a table: it gets this reading rather than making its own
    const read = await m.readProfiled(path, {}, { table: ctx.tableWanted('data') });
    // the blob's name is the content's sha256: the dataset version's hash, without reading the file once more
    const d = await m.registerRead(ctx.stores.metadata, path, name, read, `sha256:${blob.digest}`);
    if (read.table) ctx.shareTable(file, read.table);
    await ctx.stores.metadata.runs.linkDataset(ctx.pipelineRunId, d.id, i.role);
    await ctx.stores.metadata.runs.linkDataset(ctx.runId, d.id, i.role);
    ctx.log(`${d.rows} rows x ${d.columns} columns from ${basename(path)} (dataset ${d.name} v${d.version}, ${d.contentHash.slice(0, 19)}...)`);
    if (d.profile) for (const line of profileLines(d.profile as FileProfile)) ctx.log(line);
    return { data: file, rows: d.rows, columns: d.columns, dataset: { id: d.id, name: d.name, version: d.version, contentHash: d.contentHash, rows: d.rows } };
  },
});

/** A data file's profile (per column: type, missing values, range, mean, commonest values, histogram), as JSON and as log lines. */
export const profile = component({
  name: 'capstan/profile',
  version: '1',
  description: "profile a data file: each column's type, missing values, range, mean and commonest values",
  inputs: { data: { type: 'file', description: 'the file (CSV, Parquet or JSON lines)' } },
  outputs: {
    profile: { type: 'json', description: 'the profile, as capstan data profile --json prints it' },
    rows: { type: 'number', description: 'rows' },
    columns: { type: 'number', description: 'columns' },
  },
  async run(i, ctx) {
    const m = await data();
    const name = i.data.name ?? 'data';
    const p = await m.profileFile(await ctx.localPath(i.data), { formatName: name });
    ctx.log(`${p.rows} rows x ${p.columns.length} columns`);
    for (const line of profileLines(p)) ctx.log(line);
    return { profile: p, rows: p.rows, columns: p.columns.length };
  },
});

/** A seeded train/test split of a CSV file's rows (stratified by a column when named), as two CSV files with the header. */
export const split = component({
  name: 'capstan/split',
  version: '2',
  description: 'split a CSV file into train and test files (seeded; stratified by a column when named)',
  inputs: {
    data: { type: 'file', description: 'a CSV file with a header' },
    testFraction: { type: 'number', description: 'the test share of rows', default: 0.2 },
    seed: { type: 'number', description: 'the shuffle seed', default: 0 },
    stratify: { type: 'string', description: 'a column whose class shares both parts keep', optional: true },
  },
  outputs: {
    train: { type: 'file', description: 'the train rows' },
    test: { type: 'file', description: 'the test rows' },
    trainRows: { type: 'number', description: 'rows in train' },
    testRows: { type: 'number', description: 'rows in test' },
  },
  summary: true,
  async run(i, ctx) {
    const records = csvRecords(await readFile(await ctx.localPath(i.data), 'utf8'));
    if (records.length < 3) throw invalid('data: a CSV file with a header and at least 2 rows is needed');
    const [header, ...rows] = records;
    let strata: Float64Array | undefined;
    if (i.stratify !== undefined) {
      const col = csvFields(header).indexOf(i.stratify);
      if (col < 0) throw invalid(`stratify: no column "${i.stratify}" in the header`);
      const values = rows.map((r) => csvFields(r)[col] ?? '');
      // strata numbered in the order of a target's classes (numbers by value, text by code point), so the split is the one
      // capstan/train's held-out share takes of the same rows
      const numeric = values.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
      const distinct = [...new Set(values)].sort((a, b) => (numeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
      const codes = new Map(distinct.map((v, k) => [v, k]));
      strata = Float64Array.from(values, (v) => codes.get(v)!);
    }
    const s = (await data()).trainTestSplit(rows.length, { testFraction: i.testFraction, seed: i.seed, strata });
    const part = (idx: ArrayLike<number>) => Buffer.from([header, ...Array.from(idx, (k) => rows[k])].join('\n') + '\n');
    await logParams(ctx.stores.metadata.runs, ctx.runId, { 'split.kind': s.kind, 'split.seed': i.seed, 'split.test_fraction': i.testFraction, 'split.train_rows': s.train.length, 'split.test_rows': s.test.length });
    ctx.log(`${s.kind} split, seed ${i.seed}: ${s.train.length} train rows, ${s.test.length} test rows`);
    const named = (ref: FileRef, which: string): FileRef => (i.data.name ? { ...ref, name: i.data.name.replace(/(\.[^.]+)?$/, `.${which}$1`) } : ref);
    return { train: named(await ctx.saveFile(part(s.train)), 'train'), test: named(await ctx.saveFile(part(s.test)), 'test'), trainRows: s.train.length, testRows: s.test.length };
  },
});

/**
 * Check a data file against a registered dataset version: its schema (types, nullability, domains, ranges) and its profile as
 * the baseline for drift. A gate: `passed` says whether there were no errors; `fail` stops the run instead.
 */
export const validate = component({
  name: 'capstan/validate',
  version: '1',
  description: 'check a data file against a dataset version (its schema, and its profile for drift); a gate on errors',
  inputs: {
    data: { type: 'file', description: 'the data to check' },
    reference: { type: 'json', description: 'the dataset version to check against: {name, version} (the load step\'s dataset output)' },
    fail: { type: 'boolean', description: 'fail the step when there are errors (else answer passed=false)', default: true },
  },
  outputs: {
    errors: { type: 'number', description: 'anomalies of error severity' },
    warnings: { type: 'number', description: 'anomalies of warning severity' },
    passed: { type: 'boolean', description: 'no errors' },
    anomalies: { type: 'json', description: 'every anomaly: kind, severity, column, message' },
  },
  async run(i, ctx) {
    const ref = i.reference as { name?: unknown; version?: unknown };
    if (typeof ref !== 'object' || ref === null || typeof ref.name !== 'string' || typeof ref.version !== 'number') throw invalid('reference must be a dataset version {name, version}');
    const d = await ctx.stores.metadata.datasets.get(ref.name, ref.version);
    if (d.schema === undefined || d.schema === null) throw invalid(`reference: dataset ${d.name} v${d.version} has no schema (register it with capstan data register or a load step)`);
    const m = await data();
    const schema = m.parseSchema(JSON.stringify(d.schema), `dataset ${d.name} v${d.version}`);
    const file = await ctx.localPath(i.data);
    const report = await m.validateFile(file, schema, d.profile ? { baseline: d.profile as FileProfile } : {});
    for (const a of report.anomalies) ctx.log(`${a.severity} ${a.kind}${a.column ? ` ${a.column}` : ''}: ${a.message}`);
    ctx.log(`${report.errors} errors, ${report.warnings} warnings against ${d.name} v${d.version}`);
    // a file that is a registered version of the same dataset keeps the findings with that version (the datasets page shows them)
    const hash = await (await import('../../data/hash.ts')).fileSha256(file);
    const subject = (await ctx.stores.metadata.datasets.list(d.name)).find((v) => v.contentHash === hash);
    if (subject) await ctx.stores.metadata.datasets.addValidation({ name: d.name, version: subject.version, reference: { name: d.name, version: d.version }, ...m.findingsOf(report), runId: ctx.runId, actor: ctx.actor.name });
    if (report.errors > 0 && i.fail) throw invalid(`validate: ${report.errors} errors against ${d.name} v${d.version} (the step's log lists them)`);
    return { errors: report.errors, warnings: report.warnings, passed: report.errors === 0, anomalies: report.anomalies };
  },
});
