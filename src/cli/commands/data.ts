import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { invalid } from '../../core/errors.ts';
import { checkName } from '../../core/names.ts';
import type { FileProfile } from '../../data/index.ts';
import type { DatasetValidation, ValidationAnomaly } from '../../store/index.ts';
import { profileFile } from '../../data/read.ts';
import { localActor, parseIntOption, stores } from '../common.ts';
import { printJson } from '../output.ts';
import { safe, table, when } from '../target.ts';
import { checkDriftOptions, DRIFT_TESTS, tableDrift, type DatasetDriftResult, type DriftOptions, type DriftTest } from '../../stats/index.ts';

/** The data layer beyond profiles, loaded when a command needs it (it loads DuckDB, ~0.2 s that a CSV profile does without). */
const dataLayer = () => import('../../data/index.ts');

function fmt(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '-';
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 1000 ? v.toFixed(1) : v.toPrecision(4);
}

interface LimitOptions {
  maxColumns?: string;
  maxRows?: string;
  maxBytes?: string;
  sample?: string;
}

function limits(o: LimitOptions) {
  const big = 2 ** 52;
  return {
    ...(o.maxColumns ? { maxColumns: parseIntOption('--max-columns', o.maxColumns, 1, 100_000) } : {}),
    ...(o.maxRows ? { maxRows: parseIntOption('--max-rows', o.maxRows, 1, big) } : {}),
    ...(o.maxBytes ? { maxBytes: parseIntOption('--max-bytes', o.maxBytes, 1, big) } : {}),
    ...(o.sample ? { sampleRows: parseIntOption('--sample', o.sample, 1, big) } : {}),
  };
}

/** The input limits every data command takes. */
function withLimits(c: Command): Command {
  return c
    .option('--max-columns <n>', 'refuse files with more columns (default 5000)')
    .option('--max-rows <n>', 'refuse files with more rows')
    .option('--max-bytes <n>', 'refuse larger files')
    .option('--sample <n>', 'read a seeded random sample of this many rows');
}

function printProfileColumns(p: FileProfile): void {
  const rows = p.columns.map((c) => {
    const summary = c.mean !== null ? `mean ${fmt(c.mean)}, std ${fmt(c.std)}, min ${fmt(c.min)}, median ${fmt(c.quantiles?.['0.5'] ?? null)}, max ${fmt(c.max)}` : `top: ${(c.top ?? []).slice(0, 3).map((t) => `${t.value} (${t.count})`).join(', ')}`;
    return [c.name.slice(0, 40), c.type, String(c.missing), String(c.distinct), summary];
  });
  process.stdout.write(table([['COLUMN', 'TYPE', 'MISSING', 'DISTINCT', 'SUMMARY'], ...rows]));
}

function printProfile(p: FileProfile): void {
  process.stdout.write(safe(`${p.file}: ${p.rows} rows, ${p.columns.length} columns`) + '\n');
  printProfileColumns(p);
}

async function baselineOf(path: string): Promise<FileProfile> {
  if (path.toLowerCase().endsWith('.json')) {
    const text = readFileSync(path, 'utf8');
    try {
      const p = JSON.parse(text) as FileProfile;
      if (Array.isArray(p.columns) && typeof p.rows === 'number') return p;
    } catch {
      // fall through to the error below
    }
    throw invalid(`--baseline ${path} is neither a profile (capstan data profile --json) nor a data file`);
  }
  return profileFile(path);
}

function printDrift(r: DatasetDriftResult): void {
  const rows = r.features.map((f) => [f.name.slice(0, 40), f.kind, f.status, f.test ?? '-', fmt(f.statistic), fmt(f.pValue), fmt(f.threshold), f.drifted ? 'DRIFT' : '']);
  process.stdout.write(table([['COLUMN', 'KIND', 'STATUS', 'TEST', 'STATISTIC', 'P-VALUE', 'THRESHOLD', ''], ...rows]));
  process.stdout.write(`${r.drifted.length} of ${r.features.filter((f) => f.status === 'tested').length} tested columns drift (${(r.share * 100).toFixed(1)}%; the data set drifts at ${(r.datasetShare * 100).toFixed(0)}%): ${r.datasetDrift ? 'DATA SET DRIFT' : 'no data set drift'}\n`);
}

function withDriftOptions(c: Command, large: string): Command {
  return c
    .option('--numeric-test <test>', `drift test for numeric columns: ${DRIFT_TESTS.join(', ')} (default: KS up to 1000 values, ${large})`)
    .option('--categorical-test <test>', 'drift test for categorical columns: chi_squared, jensen_shannon or psi (default: chi-squared up to 1000 values, else Jensen-Shannon)')
    .option('--drift-threshold <x>', "replaces the test's threshold (a p-value's 0.05, a distance's 0.1)")
    .option('--dataset-share <x>', 'the data set drifts when at least this share of its columns drift', '0.5');
}

/** The drift flags as the tests' options, checked (each error names its flag). */
function driftOptions(o: { numericTest?: string; categoricalTest?: string; driftThreshold?: string; datasetShare: string }): DriftOptions {
  const num = (name: string, v: string) => {
    const x = Number(v);
    if (!(x > 0)) throw invalid(`${name} must be a number > 0, got "${v}"`);
    return x;
  };
  const test = (name: string, v: string | undefined) => {
    if (v !== undefined && !(DRIFT_TESTS as readonly string[]).includes(v)) throw invalid(`${name} must be one of ${DRIFT_TESTS.join(', ')}, got "${v}"`);
    return v as DriftTest | undefined;
  };
  const share = num('--dataset-share', o.datasetShare);
  if (share > 1) throw invalid(`--dataset-share must be at most 1, got "${o.datasetShare}"`);
  const d: DriftOptions = { numericTest: test('--numeric-test', o.numericTest), categoricalTest: test('--categorical-test', o.categoricalTest), datasetShare: share, ...(o.driftThreshold !== undefined ? { threshold: num('--drift-threshold', o.driftThreshold) } : {}) };
  checkDriftOptions(d);
  return d;
}

export function dataCommand(program: Command): void {
  const data = program.command('data').description('profile, infer schemas for, validate and version datasets (CSV, Parquet, JSON lines)');
  data
    .command('profile')
    .argument('<file>')
    .description('per-column statistics: count, missing, distinct, mean, std, range, quantiles, histogram, top values')
    .option('--json', 'print one JSON document');
  withLimits(data.commands[data.commands.length - 1]).action(async (file: string, o: { json?: boolean } & LimitOptions) => {
      const p = await profileFile(file, limits(o));
      if (o.json) printJson(p);
      else printProfile(p);
    });
  data
    .command('schema')
    .argument('<file>')
    .description('infer an editable schema (types, nullability, category domains, ranges)')
    .option('--out <file>', 'write the schema here instead of stdout');
  withLimits(data.commands[data.commands.length - 1]).action(async (file: string, o: { out?: string } & LimitOptions) => {
      const { inferSchema, readProfiled } = await dataLayer();
      const { profile, domains } = await readProfiled(file, limits(o));
      const text = JSON.stringify(inferSchema(profile, domains), null, 1) + '\n';
      if (o.out) {
        writeFileSync(o.out, text);
        process.stdout.write(`wrote the schema of ${profile.columns.length} columns to ${o.out}\n`);
      } else process.stdout.write(text);
    });
  data
    .command('validate')
    .argument('<file>')
    .description('report anomalies against a schema (and a baseline); exits 1 when one is an error')
    .requiredOption('--schema <file>', 'schema.json from capstan data schema')
    .option('--baseline <file>', 'a profile JSON or a data file to test distribution shift against')
    .option('--target <col>', 'also look for features that leak the target')
    .option('--json', 'print one JSON document');
  withLimits(withDriftOptions(data.commands[data.commands.length - 1], 'else PSI on the baseline\'s bins')).action(async (file: string, o: { schema: string; baseline?: string; target?: string; numericTest?: string; categoricalTest?: string; driftThreshold?: string; datasetShare: string; json?: boolean } & LimitOptions) => {
      let text: string;
      try {
        text = readFileSync(o.schema, 'utf8');
      } catch {
        throw invalid(`cannot read --schema ${o.schema}`);
      }
      const { parseSchema, validateFile } = await dataLayer();
      const schema = parseSchema(text, basename(o.schema));
      const report = await validateFile(file, schema, {
        ...limits(o),
        baseline: o.baseline ? await baselineOf(o.baseline) : undefined,
        target: o.target,
        drift: driftOptions(o),
      });
      if (o.json) {
        const { profile: _profile, ...rest } = report;
        printJson(rest);
      } else {
        process.stdout.write(`${report.file}: ${report.rows} rows, ${report.errors} errors, ${report.warnings} warnings\n`);
        printAnomalies(report.anomalies);
      }
      if (report.errors > 0) process.exitCode = 1;
    });
  data
    .command('drift')
    .argument('<baseline>', 'the reference data file')
    .argument('<current>', 'the data file to compare with it')
    .description('test every shared column for drift on its values (KS or Wasserstein, chi-squared or Jensen-Shannon, by kind and size)')
    .option('--fail', 'exit 1 when the data set drifts')
    .option('--json', 'print one JSON document');
  withLimits(withDriftOptions(data.commands[data.commands.length - 1], 'else the Wasserstein distance over the baseline\'s spread')).action(
    async (baseline: string, current: string, o: { fail?: boolean; json?: boolean; numericTest?: string; categoricalTest?: string; driftThreshold?: string; datasetShare: string } & LimitOptions) => {
      const drift = driftOptions(o);
      const { readTable } = await dataLayer();
      const [ref, cur] = [await readTable(baseline, limits(o)), await readTable(current, limits(o))];
      const report = tableDrift(ref, cur, drift);
      if (o.json) printJson({ baseline: basename(baseline), current: basename(current), baselineRows: ref.rows, currentRows: cur.rows, ...report });
      else printDrift(report);
      if (o.fail && report.datasetDrift) process.exitCode = 1;
    },
  );
  data
    .command('register')
    .argument('<file>')
    .description('store a dataset version (content hash, schema, profile); the same content is the same version')
    .requiredOption('--name <name>', 'dataset name')
    .option('--json', 'print one JSON document')
    .action(async (file: string, o: { name: string; json?: boolean }) => {
      checkName('--name', o.name);
      const { registerAndValidate } = await dataLayer();
      const s = await stores();
      try {
        const { version: v, validation } = await registerAndValidate(s.metadata, file, o.name, localActor());
        const checked = validation && { against: validation.reference, errors: validation.errors, warnings: validation.warnings, anomalies: validation.anomalies };
        if (o.json) printJson({ name: v.name, version: v.version, contentHash: v.contentHash, rows: v.rows, columns: v.columns, validation: checked });
        else {
          process.stdout.write(`dataset ${v.name} version ${v.version}: ${v.rows} rows, ${v.columns} columns, ${v.contentHash}\n`);
          if (validation) printValidation(validation);
        }
      } finally {
        await s.metadata.close();
      }
    });
  data
    .command('list')
    .description('registered datasets (latest version of each)')
    .option('--json', 'print one JSON document')
    .action(async (o: { json?: boolean }) => {
      const s = await stores();
      try {
        const list = (await s.metadata.datasets.list()).map(({ schema: _s, profile: _p, ...d }) => d);
        if (o.json) printJson({ datasets: list });
        else if (list.length === 0) process.stdout.write('no registered datasets (register one with: capstan data register FILE --name NAME)\n');
        else process.stdout.write(table([['NAME', 'VERSION', 'ROWS', 'COLUMNS', 'CONTENT', 'REGISTERED', 'SOURCE'], ...list.map((d) => [d.name, String(d.version), String(d.rows), String(d.columns), `${d.contentHash.slice(0, 19)}...`, when(d.createdAt), d.source])]));
      } finally {
        await s.metadata.close();
      }
    });
  data
    .command('show')
    .argument('<ref>', 'NAME or NAME:version')
    .description('a dataset version: where it came from, and its columns as profiled (--json: the whole record with schema and profile)')
    .option('--json', 'print one JSON document')
    .action(async (ref: string, o: { json?: boolean }) => {
      const [name, v] = ref.split(':');
      const version = v === undefined ? undefined : parseIntOption('version', v, 1, 2 ** 31);
      const s = await stores();
      try {
        const d = await s.metadata.datasets.get(name, version);
        const validations = await s.metadata.datasets.listValidations(d.name, d.version);
        if (o.json) return printJson({ ...d, validations });
        process.stdout.write(safe(`${d.name} version ${d.version}: ${d.rows} rows, ${d.columns} columns, registered ${when(d.createdAt)}\n  content ${d.contentHash}\n  source  ${d.source}`) + '\n');
        const profile = d.profile as FileProfile | undefined;
        if (profile?.columns) printProfileColumns(profile);
        if (validations[0]) printValidation(validations[0]);
      } finally {
        await s.metadata.close();
      }
    });
}

/** A stored check of a version: against what, the counts, then each anomaly on its line. */
function printValidation(v: DatasetValidation): void {
  const against = v.reference ? `v${v.reference.version}${v.reference.name === v.name ? '' : ` of ${v.reference.name}`}` : 'a schema file';
  process.stdout.write(safe(`checked against ${against} (${when(v.createdAt)}): ${v.errors} errors, ${v.warnings} warnings`) + '\n');
  printAnomalies(v.anomalies);
}

/** One anomaly per line: severity, kind, message. */
function printAnomalies(anomalies: readonly ValidationAnomaly[]): void {
  for (const a of anomalies) process.stdout.write(safe(`  ${a.severity.toUpperCase().padEnd(7)} ${a.kind.padEnd(18)} ${a.message}`) + '\n');
}
