import { invalid } from '../core/errors.ts';
import { isObject } from '../core/json.ts';
import type { FeatureSpec } from '../core/schema.ts';
import type { Column, Table } from '../core/table.ts';
import { columnOf } from './columns.ts';
import type { Predictions } from '../learn/index.ts';
import type { BundleManifest } from '../registry/index.ts';

/** KServe V2 / Open Inference Protocol tensor datatypes. */
const NUMERIC_TYPES = new Set(['FP64', 'FP32', 'FP16', 'INT64', 'INT32', 'INT16', 'INT8', 'UINT64', 'UINT32', 'UINT16', 'UINT8', 'BOOL']);
export const MAX_ROWS = 100_000;

export interface V2Tensor {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
  parameters?: Record<string, unknown>;
}


function flatten(data: unknown[], name: string, depth = 0): unknown[] {
  if (depth > 2) throw invalid(`input "${name}": data nests deeper than [rows][1]`);
  if (!data.some(Array.isArray)) return data;
  const out: unknown[] = [];
  for (const d of data) {
    if (Array.isArray(d)) out.push(...flatten(d, name, depth + 1));
    else out.push(d);
  }
  return out;
}

/** The V2 datatype a feature is served as. */
export function datatypeOf(f: FeatureSpec): 'FP64' | 'INT64' | 'BYTES' {
  // dates travel as ISO 8601 text
  return f.kind === 'categorical' || (f.kind === 'numeric' && f.datetime) ? 'BYTES' : f.integer ? 'INT64' : 'FP64';
}

/**
 * Turn a V2 infer request into a table in the model's column order. Every problem is a 400 naming the input; values are never
 * echoed back.
 */
export function parseInferRequest(body: unknown, signature: FeatureSpec[]): { table: Table; id?: string; outputs?: string[] } {
  if (!isObject(body)) throw invalid('request body must be a JSON object with an "inputs" array');
  if (!Array.isArray(body.inputs) || body.inputs.length === 0) throw invalid('"inputs" must be a non-empty array of tensors');
  if (body.id !== undefined && typeof body.id !== 'string') throw invalid('"id" must be a string');
  let outputs: string[] | undefined;
  if (body.outputs !== undefined) {
    if (!Array.isArray(body.outputs) || !body.outputs.every((o) => isObject(o) && typeof o.name === 'string')) throw invalid('"outputs" must be an array of {"name": string}');
    outputs = body.outputs.map((o) => (o as { name: string }).name);
  }
  const byName = new Map(signature.map((f) => [f.name, f]));
  const given = new Map<string, Column>();
  let rows = -1;
  body.inputs.forEach((t, i) => {
    if (!isObject(t)) throw invalid(`inputs[${i}] must be an object with name, datatype, shape and data`);
    const name = t.name;
    if (typeof name !== 'string' || name.length === 0) throw invalid(`inputs[${i}].name must be a non-empty string`);
    const f = byName.get(name);
    if (!f) throw invalid(`inputs[${i}]: "${name.slice(0, 64)}" is not an input of this model`);
    if (given.has(name)) throw invalid(`input "${name}" is given twice`);
    if (typeof t.datatype !== 'string') throw invalid(`input "${name}": datatype must be a string`);
    if (!Array.isArray(t.shape) || t.shape.length === 0 || t.shape.length > 2 || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) throw invalid(`input "${name}": shape must be [rows] or [rows, 1]`);
    if (t.shape.length === 2 && t.shape[1] !== 1) throw invalid(`input "${name}": shape must be [rows] or [rows, 1], one column per input`);
    if (!Array.isArray(t.data)) throw invalid(`input "${name}": data must be an array`);
    const n = t.shape[0] as number;
    if (n > MAX_ROWS) throw invalid(`input "${name}": at most ${MAX_ROWS} rows per request`);
    const data = flatten(t.data, name);
    if (data.length !== n) throw invalid(`input "${name}": shape says ${n} values but data has ${data.length}`);
    if (rows >= 0 && n !== rows) throw invalid(`input "${name}" has ${n} rows but other inputs have ${rows}`);
    rows = n;
    if (f.kind === 'numeric' && !(f.datetime && t.datatype === 'BYTES') && !NUMERIC_TYPES.has(t.datatype)) throw invalid(`input "${name}": datatype must be numeric (FP64, INT64, ...), got ${t.datatype.slice(0, 16)}`);
    if (f.kind === 'categorical' && t.datatype !== 'BYTES') throw invalid(`input "${name}": datatype must be BYTES (a category), got ${t.datatype.slice(0, 16)}`);
    given.set(name, columnOf(f, data));
  });
  const missing = signature.filter((f) => !given.has(f.name)).map((f) => f.name);
  if (missing.length > 0) throw invalid(`missing input${missing.length > 1 ? 's' : ''}: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', ...' : ''}`);
  if (rows === 0) throw invalid('inputs have 0 rows');
  return { table: { rows, columns: signature.map((f) => given.get(f.name)!) }, id: body.id as string | undefined, outputs };
}

/** V2 response tensors: label + probabilities (classification) or prediction (regression). */
export function inferResponseOutputs(manifest: BundleManifest, p: Predictions, requested?: string[]): V2Tensor[] {
  const all: V2Tensor[] = [];
  if (manifest.task === 'regression') {
    all.push({ name: 'prediction', datatype: 'FP64', shape: [p.rows], data: Array.from(p.values!) });
  } else {
    const classes = manifest.target.classes!;
    all.push({ name: 'label', datatype: 'BYTES', shape: [p.rows], data: Array.from(p.classIndex!, (c) => classes[c]) });
    all.push({ name: 'probabilities', datatype: 'FP64', shape: [p.rows, classes.length], data: Array.from(p.proba!), parameters: { classes } });
  }
  if (!requested) return all;
  const unknown = requested.filter((r) => !all.some((o) => o.name === r));
  if (unknown.length > 0) throw invalid(`unknown output "${unknown[0].slice(0, 64)}" (this model has ${all.map((o) => o.name).join(', ')})`);
  return all.filter((o) => requested.includes(o.name));
}

/** V2 model metadata document. */
export function modelMetadata(name: string, versions: string[], manifest: BundleManifest): Record<string, unknown> {
  return {
    name,
    versions,
    platform: 'capstan',
    inputs: manifest.signature.inputs.map((f) => ({ name: f.name, datatype: datatypeOf(f), shape: [-1], ...(f.kind === 'categorical' ? { parameters: { categories: f.categories } } : {}) })),
    outputs: manifest.signature.outputs,
  };
}
