import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { invalid } from '../../core/errors.ts';
import type { FileProfile } from '../../data/index.ts';
import { csvFields, csvRecords } from './csv-records.ts';
import { component } from './component.ts';

/* The data layer (DuckDB) loads when a step runs, not when a pipeline is linted or its steps come from the cache. */
const data = () => import('../../data/index.ts');

/** A data file into the pipeline: kept as a blob, registered as a dataset version (its lineage starts here). */
export const load = component({
  name: 'capstan/load',
  version: '1',
  description: 'read a CSV, Parquet or JSON-lines file, register it as a dataset version and pass it on as a file',
  inputs: {
    path: { type: 'string', description: 'the file (relative to the pipeline file)' },
    name: { type: 'string', description: 'the dataset name (default: the file name without extension)', optional: true },
  },
  outputs: {
    data: { type: 'file', description: 'the file as read' },
    rows: { type: 'number', description: 'rows' },
    columns: { type: 'number', description: 'columns' },
    dataset: { type: 'json', description: 'the dataset version: {id, name, version}' },
  },
  // the file's content, not its name: an edited file is read again
  async fingerprint(i, baseDir) {
    try {
      return await (await import('../../data/hash.ts')).fileSha256(resolve(baseDir, i.path));
    } catch {
      return 'unreadable';
    }
  },
  async reused(out, ctx) {
    const id = (out.dataset as { id: string }).id;
    await ctx.stores.metadata.runs.linkDataset(ctx.pipelineRunId, id, 'input');
    await ctx.stores.metadata.runs.linkDataset(ctx.runId, id, 'input');
  },
  async run(i, ctx) {
    const path = resolve(ctx.baseDir, i.path);
    const name = i.name ?? (await data()).datasetNameOf(path);
    let d;
    try {
      d = await (await data()).registerDatasetFile(ctx.stores.metadata, path, name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw invalid(`path: no file ${i.path}`);
      throw e;
    }
    await ctx.stores.metadata.runs.linkDataset(ctx.pipelineRunId, d.id, 'input');
    await ctx.stores.metadata.runs.linkDataset(ctx.runId, d.id, 'input');
    const blob = await ctx.stores.artifacts.putBlob(createReadStream(path));
    ctx.log(`${d.rows} rows x ${d.columns} columns from ${basename(path)} (dataset ${d.name} v${d.version})`);
    return { data: { blob: blob.digest, size: blob.size }, rows: d.rows, columns: d.columns, dataset: { id: d.id, name: d.name, version: d.version } };
  },
});

/** A seeded train/test split of a CSV file's rows (stratified by a column when named), as two CSV files with the header. */
export const split = component({
  name: 'capstan/split',
  version: '1',
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
  async run(i, ctx) {
    const records = csvRecords(await readFile(await ctx.localPath(i.data), 'utf8'));
    if (records.length < 3) throw invalid('data: a CSV file with a header and at least 2 rows is needed');
    const [header, ...rows] = records;
    let strata: Float64Array | undefined;
    if (i.stratify !== undefined) {
      const col = csvFields(header).indexOf(i.stratify);
      if (col < 0) throw invalid(`stratify: no column "${i.stratify}" in the header`);
      const codes = new Map<string, number>();
      strata = Float64Array.from(rows, (r) => {
        const v = csvFields(r)[col] ?? '';
        if (!codes.has(v)) codes.set(v, codes.size);
        return codes.get(v)!;
      });
    }
    const s = (await data()).trainTestSplit(rows.length, { testFraction: i.testFraction, seed: i.seed, strata });
    const part = (idx: ArrayLike<number>) => Buffer.from([header, ...Array.from(idx, (k) => rows[k])].join('\n') + '\n');
    ctx.log(`${s.train.length} train rows, ${s.test.length} test rows (${s.kind}, seed ${i.seed})`);
    return { train: await ctx.saveFile(part(s.train)), test: await ctx.saveFile(part(s.test)), trainRows: s.train.length, testRows: s.test.length };
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
    const report = await m.validateFile(await ctx.localPath(i.data), schema, d.profile ? { baseline: d.profile as FileProfile } : {});
    for (const a of report.anomalies) ctx.log(`${a.severity} ${a.kind}${a.column ? ` ${a.column}` : ''}: ${a.message}`);
    ctx.log(`${report.errors} errors, ${report.warnings} warnings against ${d.name} v${d.version}`);
    if (report.errors > 0 && i.fail) throw invalid(`validate: ${report.errors} errors against ${d.name} v${d.version} (the step's log lists them)`);
    return { errors: report.errors, warnings: report.warnings, passed: report.errors === 0, anomalies: report.anomalies };
  },
});
