import { invalid } from '../core/errors.ts';
import { isObject, jsonNumber, jsonString, jsonStringArray, jsonStrings } from '../core/json.ts';
import type { FeatureSpec } from '../core/schema.ts';
import type { Table } from '../core/table.ts';
import type { Predictions } from '../learn/index.ts';
import type { BundleManifest } from '../registry/index.ts';
import { columnOf, signatureIndexes } from './columns.ts';
import { MAX_ROWS } from './v2.ts';

const FORMATS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;


function checkRows(n: number, where: string): void {
  if (n === 0) throw invalid(`${where} has no rows`);
  if (n > MAX_ROWS) throw invalid(`${where}: at most ${MAX_ROWS} rows per request`);
}

/** Every column named exactly once, all known, none missing; errors list the names (cut short), never values. */
function checkColumns(names: string[], signature: FeatureSpec[], where: string): void {
  const known = new Set(signature.map((f) => f.name));
  const seen = new Set<string>();
  for (const c of names) {
    if (seen.has(c)) throw invalid(`${where}: column "${c.slice(0, 64)}" is given twice`);
    seen.add(c);
  }
  const extra = names.filter((c) => !known.has(c));
  if (extra.length) throw invalid(`${where}: unknown column${extra.length > 1 ? 's' : ''} ${extra.slice(0, 10).map((c) => `"${c.slice(0, 64)}"`).join(', ')} (not inputs of this model)`);
  const missing = signature.filter((f) => !seen.has(f.name)).map((f) => f.name);
  if (missing.length) throw invalid(`${where}: missing column${missing.length > 1 ? 's' : ''} ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', ...' : ''}`);
}

/** Records (objects keyed by column) into one value array per signature column. */
function fromRecords(records: unknown[], signature: FeatureSpec[], where: string): unknown[][] {
  checkRows(records.length, where);
  const cols = signature.map(() => new Array<unknown>(records.length));
  records.forEach((rec, r) => {
    if (!isObject(rec)) throw invalid(`${where}[${r}] must be an object of column: value`);
    const keys = Object.keys(rec);
    // the same count and every name present leaves no room for extra keys; otherwise say what is wrong
    if (keys.length !== signature.length) checkColumns(keys, signature, `${where}[${r}]`);
    for (let j = 0; j < signature.length; j++) {
      const name = signature[j].name;
      if (!Object.hasOwn(rec, name)) checkColumns(keys, signature, `${where}[${r}]`);
      cols[j][r] = rec[name];
    }
  });
  return cols;
}

/**
 * A request body in MLflow's scoring format (`POST /invocations`) as a table in signature order: `dataframe_split`
 * ({columns, data[, index]}), `dataframe_records` ([{column: value}]), `instances` (records) or `inputs` (records, or
 * {column: [values]}). Strict: exactly one format key, every column of the signature and no other, types per column.
 */
export function parseScoringRequest(body: unknown, signature: FeatureSpec[]): Table {
  if (!isObject(body)) throw invalid(`request body must be a JSON object with one of ${FORMATS.join(', ')}`);
  const keys = Object.keys(body).filter((k) => k !== 'params');
  const format = keys.find((k) => (FORMATS as readonly string[]).includes(k));
  if (!format || keys.length !== 1) throw invalid(`request body must have exactly one of ${FORMATS.join(', ')}${keys.length ? ` (got ${keys.slice(0, 5).map((k) => `"${k.slice(0, 32)}"`).join(', ')})` : ''}`);
  if (body.params !== undefined && !(isObject(body.params) && Object.keys(body.params).length === 0)) throw invalid('"params": this model takes no inference parameters');
  const v = body[format];
  let cols: unknown[][];
  if (format === 'dataframe_split') {
    if (!isObject(v) || !Array.isArray(v.columns) || !Array.isArray(v.data)) throw invalid('"dataframe_split" must be an object with "columns" (names) and "data" (rows)');
    if (!v.columns.every((c) => typeof c === 'string')) throw invalid('"dataframe_split.columns" must be an array of column names');
    const names = v.columns as string[];
    checkColumns(names, signature, 'dataframe_split');
    checkRows(v.data.length, 'dataframe_split.data');
    const at = signature.map((f) => names.indexOf(f.name));
    cols = signature.map(() => new Array<unknown>((v.data as unknown[]).length));
    v.data.forEach((row, r) => {
      if (!Array.isArray(row) || row.length !== names.length) throw invalid(`dataframe_split.data[${r}] must be an array of ${names.length} values (one per column)`);
      for (let j = 0; j < at.length; j++) cols[j][r] = row[at[j]];
    });
  } else if (format === 'inputs' && isObject(v)) {
    const names = Object.keys(v);
    checkColumns(names, signature, 'inputs');
    cols = signature.map((f) => {
      const values = v[f.name];
      if (!Array.isArray(values)) throw invalid(`inputs.${f.name.slice(0, 64)} must be an array of values`);
      return values;
    });
    const n = cols[0].length;
    checkRows(n, 'inputs');
    signature.forEach((f, j) => {
      if (cols[j].length !== n) throw invalid(`inputs.${f.name} has ${cols[j].length} values but ${signature[0].name} has ${n}`);
    });
  } else {
    if (!Array.isArray(v)) throw invalid(`"${format}" must be an array of records ({column: value})`);
    cols = fromRecords(v, signature, format);
  }
  const known = signatureIndexes(signature);
  return { rows: cols[0].length, columns: signature.map((f, j) => columnOf(f, cols[j], 'column', known[j])) };
}

/**
 * MLflow's response as JSON text: `predictions` (labels or values, in row order), with class probabilities and the classes
 * for classifiers, then `extra` string fields (the prediction id). Written directly (the same text as JSON.stringify of the
 * object): this runs on every request, and building the object to serialise it cost several times as much.
 */
export function scoringJson(manifest: BundleManifest, p: Predictions, extra: Record<string, string> = {}, rawFields = ''): string {
  let out = '{"predictions":[';
  if (manifest.task === 'regression') {
    for (let i = 0; i < p.rows; i++) out += (i === 0 ? '' : ',') + jsonNumber(p.values![i]);
    out += ']';
  } else {
    const labels = jsonStrings(manifest.target.classes!);
    for (let i = 0; i < p.rows; i++) out += (i === 0 ? '' : ',') + labels[p.classIndex![i]];
    out += ']';
    if (manifest.task !== 'clustering') {
      const K = labels.length;
      out += ',"probabilities":[';
      for (let i = 0; i < p.rows; i++) {
        out += i === 0 ? '[' : ',[';
        for (let k = 0; k < K; k++) out += (k === 0 ? '' : ',') + jsonNumber(p.proba![i * K + k]);
        out += ']';
      }
      out += '],"classes":' + jsonStringArray(manifest.target.classes!);
    }
  }
  for (const key in extra) out += `,${jsonString(key)}:${jsonString(extra[key])}`;
  return out + rawFields + '}';
}
