import { createHash } from 'node:crypto';
import { isObject } from '../../core/json.ts';
import { CAPSTAN_VERSION } from '../../core/config.ts';
import { invalid } from '../../core/errors.ts';
import type { FeatureSpec, TargetSpec } from '../../core/schema.ts';
import { encodedWidth, getLearner, predictionOutput, predictTable, type Encoder, type NamedArrays, type Predictions, type TabularModel } from '../../learn/index.ts';
import { buildBaseline, type FeatureBaseline } from '../../stats/index.ts';
import { categoricalColumn, numericColumn, takeRows, type Column, type Table } from '../../core/table.ts';
import type { OnnxLayout, OnnxOutputs, OnnxSignature } from '../../onnx/read.ts';

export const BUNDLE_FORMAT = 'capstan-model';
export const BUNDLE_VERSION = 1;
import { ARRAYS_FILE, MANIFEST_FILE, ONNX_FILE } from './files.ts';

export { MANIFEST_FILE, ARRAYS_FILE, ONNX_FILE };

type DType = 'float64' | 'int32' | 'uint32' | 'uint8';
const CTORS = { float64: Float64Array, int32: Int32Array, uint32: Uint32Array, uint8: Uint8Array } as const;

export interface ArrayEntry {
  name: string;
  dtype: DType;
  offset: number;
  length: number;
}

export interface Lineage {
  runId?: string;
  datasets?: { name: string; contentHash: string; rows: number }[];
  split?: { kind: string; seed: number; testFraction: number; trainRows: number; testRows: number };
}

/** `capstan-model.json`: everything about the model except the big arrays, readable by humans and other tools. */
export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  formatVersion: number;
  library: { name: 'capstan'; version: string };
  createdAt: string;
  task: TargetSpec['task'];
  target: TargetSpec;
  signature: { inputs: FeatureSpec[]; outputs: { name: string; datatype: 'BYTES' | 'FP64'; shape: number[] }[] };
  /** null for a model imported as ONNX (its graph does its own preprocessing) */
  preprocessing: Encoder | null;
  learner: { name: string; params: Record<string, number | string>; meta: Record<string, unknown> };
  /** a model imported as ONNX: how a table becomes its inputs and which outputs answer */
  onnx?: { layout: OnnxLayout; outputs: OnnxOutputs };
  /** an ensemble's members: weight, preprocessing and learner each; member i's arrays are named `m<i>/<name>` */
  ensemble?: { members: { weight: number; preprocessing: Encoder; learner: { name: string; params: Record<string, number | string>; meta: Record<string, unknown> } }[] };
  metrics: Record<string, number>;
  baseline: FeatureBaseline[];
  /**
   * the model's answers on its training rows, for prediction drift: the positive class's probability (binary), the predicted
   * class (multiclass, clustering) or the value (regression); absent from bundles made before it
   */
  outputBaseline?: FeatureBaseline;
  /** the training labels summed up: the majority class (classification) or the mean (regression); what a humility rule may answer */
  trainingTarget?: { majority?: string; mean?: number };
  lineage: Lineage;
  arrays: { file: typeof ARRAYS_FILE | typeof ONNX_FILE; sha256: string; entries: ArrayEntry[] };
}

/** A decoded bundle: a Capstan model, or the bytes of an imported ONNX model. */
export interface DecodedBundle {
  manifest: BundleManifest;
  model: TabularModel | null;
  onnx: Uint8Array | null;
}

export interface Bundle {
  manifest: BundleManifest;
  binary: Buffer;
}

function dtypeOf(a: NamedArrays[string]): DType {
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint32Array) return 'uint32';
  return 'uint8';
}

export function outputsOf(target: TargetSpec): BundleManifest['signature']['outputs'] {
  if (target.task === 'regression') return [{ name: 'prediction', datatype: 'FP64', shape: [-1] }];
  return [
    { name: 'label', datatype: 'BYTES', shape: [-1] },
    { name: 'probabilities', datatype: 'FP64', shape: [-1, target.classes!.length] },
  ];
}

/** What every manifest starts with: format, library, time, and the signature a model answers to. */
function manifestHead(target: TargetSpec, features: FeatureSpec[]): Pick<BundleManifest, 'format' | 'formatVersion' | 'library' | 'createdAt' | 'task' | 'target' | 'signature'> {
  return {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_VERSION,
    library: { name: 'capstan', version: CAPSTAN_VERSION },
    createdAt: new Date().toISOString(),
    task: target.task,
    target,
    signature: { inputs: features, outputs: outputsOf(target) },
  };
}

/** Pack a model into manifest + one binary file of 8-byte-aligned typed arrays. */
/** Training rows the output baseline is predicted on at most (evenly spaced): a bundle costs a bounded prediction. */
const OUTPUT_BASELINE_ROWS = 20_000;

/** The model's monitored output on a table: see BundleManifest.outputBaseline. */
export function monitoredOutput(target: TargetSpec, p: Predictions): Column {
  if (p.values) return numericColumn('prediction', p.values);
  const classes = target.classes ?? [];
  if (target.task === 'binary' && p.proba) return numericColumn('prediction', Float64Array.from({ length: p.rows }, (_, r) => p.proba![r * classes.length + 1]));
  return categoricalColumn('prediction', Int32Array.from(p.classIndex ?? []), classes);
}

function evenly(training: Table, most: number): Table {
  const take = Math.min(training.rows, most);
  return take === training.rows ? training : takeRows(training, Array.from({ length: take }, (_, k) => Math.floor((k * training.rows) / take)));
}

function outputBaseline(model: TabularModel, training: Table): FeatureBaseline {
  const rows = evenly(training, OUTPUT_BASELINE_ROWS);
  const column = monitoredOutput(model.target, predictTable(model, rows));
  const spec: FeatureSpec = column.kind === 'numeric' ? { name: 'prediction', kind: 'numeric', integer: false, min: 0, max: 0, missing: 0 } : { name: 'prediction', kind: 'categorical', categories: column.categories, missing: 0 };
  return buildBaseline({ rows: rows.rows, columns: [column] }, [spec])[0];
}

/** Rows the importance of each feature is measured on (a prediction per feature). */
const IMPORTANCE_ROWS = 1000;

/** How many rows encoding a bundle predicts (its output baseline, and feature importance's passes), for time planning. */
export function bundlePredictionRows(trainingRows: number, features: number): number {
  return Math.min(trainingRows, OUTPUT_BASELINE_ROWS) + (features + 1) * Math.min(trainingRows, IMPORTANCE_ROWS);
}

/**
 * How much the model's answers move when one feature's values are shuffled among the rows (mean absolute change of the
 * output: every class probability, or the value over the training output's spread), scaled so the largest is 1. Needs no
 * labels; it ranks drifted features by what they do to the answers (DataRobot's drift-vs-importance view).
 */
function featureImportance(model: TabularModel, training: Table): Map<string, number> {
  const rows = evenly(training, IMPORTANCE_ROWS);
  const base = predictionOutput(predictTable(model, rows));
  const scale = model.target.task === 'regression' ? Math.max(1e-12, spread(base)) : 1;
  const out = new Map<string, number>();
  // a fixed rotation by a third of the rows: deterministic, and no row keeps its own value
  const shift = Math.max(1, Math.floor(rows.rows / 3));
  for (const f of model.features) {
    const index = rows.columns.findIndex((c) => c.name === f.name);
    if (index < 0) continue;
    const c = rows.columns[index];
    const order = Array.from({ length: rows.rows }, (_, r) => (r + shift) % rows.rows);
    const moved: Column = c.kind === 'numeric' ? { ...c, values: Float64Array.from(order, (r) => c.values[r]) } : { ...c, codes: Int32Array.from(order, (r) => c.codes[r]) };
    const changed = predictionOutput(predictTable(model, { rows: rows.rows, columns: rows.columns.map((x, i) => (i === index ? moved : x)) }));
    let sum = 0;
    for (let i = 0; i < base.length; i++) sum += Math.abs(changed[i] - base[i]);
    out.set(f.name, sum / Math.max(1, rows.rows) / scale);
  }
  const top = Math.max(1e-12, ...out.values());
  for (const [k, v] of out) out.set(k, v / top);
  return out;
}

function spread(x: Float64Array): number {
  let mean = 0;
  for (const v of x) mean += v / x.length;
  let s = 0;
  for (const v of x) s += (v - mean) ** 2 / x.length;
  return Math.sqrt(s);
}

/** The majority class (the first of equals, in class order) or the mean of the training labels (class indexes or values). */
function summariseLabels(target: TargetSpec, y: Float64Array): { majority?: string; mean?: number } {
  if (target.task === 'regression') {
    let sum = 0;
    for (const v of y) sum += v;
    return { mean: sum / y.length };
  }
  const classes = target.classes ?? [];
  if (classes.length === 0) return {};
  const counts = new Array<number>(classes.length).fill(0);
  for (const v of y) counts[v]++;
  return { majority: classes[counts.indexOf(Math.max(...counts))] };
}

function baselinesOf(model: TabularModel, training: Table): FeatureBaseline[] {
  const importance = model.target.task === 'clustering' || training.rows === 0 ? new Map<string, number>() : featureImportance(model, training);
  return buildBaseline(training, model.features).map((b) => (importance.has(b.name) ? { ...b, importance: Math.round(importance.get(b.name)! * 1e6) / 1e6 } : b));
}

/**
 * Pack a model into manifest + one binary file of 8-byte-aligned typed arrays; with its training rows, the drift baselines of
 * its inputs and of its output.
 */
export function encodeBundle(model: TabularModel, extra: { metrics: Record<string, number>; training: Table | null; labels?: Float64Array; lineage: Lineage }): Bundle {
  const members = model.members ?? null;
  const state = members ? { meta: {}, arrays: {} as NamedArrays } : model.fitted.state();
  const arrays = state.arrays;
  const ensemble = members
    ? {
        members: members.map((m, i) => {
          if (m.model.members) throw invalid('an ensemble member cannot itself be an ensemble');
          const st = m.model.fitted.state();
          for (const [name, a] of Object.entries(st.arrays)) arrays[`m${i}/${name}`] = a;
          return { weight: m.weight, preprocessing: m.model.encoder, learner: { name: m.model.learner.name, params: m.model.learner.params, meta: st.meta } };
        }),
      }
    : undefined;
  const entries: ArrayEntry[] = [];
  let size = 0;
  for (const [name, a] of Object.entries(arrays)) {
    entries.push({ name, dtype: dtypeOf(a), offset: size, length: a.length });
    size += Math.ceil(a.byteLength / 8) * 8;
  }
  const binary = Buffer.alloc(size);
  entries.forEach((e) => {
    const a = arrays[e.name];
    binary.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), e.offset);
  });
  const manifest: BundleManifest = {
    ...manifestHead(model.target, model.features),
    preprocessing: model.encoder,
    learner: { name: model.learner.name, params: model.learner.params, meta: state.meta },
    ...(ensemble ? { ensemble } : {}),
    metrics: extra.metrics,
    baseline: extra.training ? baselinesOf(model, extra.training) : [],
    ...(extra.training && model.target.task !== 'clustering' ? { outputBaseline: outputBaseline(model, extra.training) } : {}),
    ...(extra.labels?.length ? { trainingTarget: summariseLabels(model.target, extra.labels) } : {}),
    lineage: extra.lineage,
    arrays: { file: ARRAYS_FILE, sha256: createHash('sha256').update(binary).digest('hex'), entries },
  };
  return { manifest, binary };
}


/** Pack an ONNX model trained elsewhere: its bytes as they are, its signature read from the graph. */
export function encodeOnnxBundle(bytes: Uint8Array, signature: OnnxSignature, producer: string): Bundle {
  const binary = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const manifest: BundleManifest = {
    ...manifestHead(signature.target, signature.features),
    preprocessing: null,
    learner: { name: 'onnx', params: {}, meta: { producer } },
    onnx: { layout: signature.layout, outputs: signature.outputs },
    metrics: {},
    baseline: [],
    lineage: {},
    arrays: { file: ONNX_FILE, sha256: createHash('sha256').update(binary).digest('hex'), entries: [] },
  };
  return { manifest, binary };
}

/**
 * Parse and check a bundle. Only data is read: the manifest is JSON, arrays are copied out of the binary after their bounds and
 * the file's digest are checked, so loading a bundle can never run code.
 */
export function decodeBundle(manifestText: string, binary: Buffer): DecodedBundle {
  return decodeManifest(parseManifest(manifestText), binary);
}

/** The manifest's JSON, checked to be a Capstan manifest of a version this Capstan reads (its contents are checked on decoding). */
export function parseManifest(manifestText: string): BundleManifest {
  let m: unknown;
  try {
    m = JSON.parse(manifestText);
  } catch {
    throw invalid(`model bundle: ${MANIFEST_FILE} is not valid JSON`);
  }
  if (!isObject(m) || m.format !== BUNDLE_FORMAT) throw invalid(`model bundle: ${MANIFEST_FILE} is not a Capstan model manifest`);
  if (m.formatVersion !== BUNDLE_VERSION) throw invalid(`model bundle: format version ${String(m.formatVersion)} is not supported (this Capstan reads ${BUNDLE_VERSION})`);
  return m as unknown as BundleManifest;
}

/** A parsed manifest with its data file: checked, and the model rebuilt from data (see decodeBundle). */
export function decodeManifest(man: BundleManifest, binary: Buffer): DecodedBundle {
  if (man.onnx !== undefined) {
    if (!isObject(man.onnx) || !isObject(man.onnx.layout) || !isObject(man.onnx.outputs) || !isObject(man.target) || !isObject(man.signature) || !Array.isArray(man.signature.inputs) || !isObject(man.arrays)) {
      throw invalid('model bundle: the ONNX manifest lacks its layout, outputs, target or signature');
    }
    if (createHash('sha256').update(binary).digest('hex') !== man.arrays.sha256) throw invalid(`model bundle: ${ONNX_FILE} does not match its recorded sha256`);
    return { manifest: man, model: null, onnx: new Uint8Array(binary.buffer, binary.byteOffset, binary.byteLength) };
  }
  if (!isObject(man.target) || !isObject(man.signature) || !Array.isArray(man.signature.inputs) || !isObject(man.preprocessing) || !isObject(man.arrays) || !Array.isArray(man.arrays.entries)) {
    throw invalid('model bundle: manifest lacks target, signature, preprocessing or arrays');
  }
  if (createHash('sha256').update(binary).digest('hex') !== man.arrays.sha256) throw invalid(`model bundle: ${ARRAYS_FILE} does not match its recorded sha256`);
  const arrays: NamedArrays = {};
  for (const e of man.arrays.entries) {
    const ctor = CTORS[e.dtype];
    if (!ctor || !Number.isInteger(e.offset) || !Number.isInteger(e.length) || e.offset < 0 || e.length < 0 || e.offset % 8 !== 0) {
      throw invalid(`model bundle: array entry "${String(e.name)}" is malformed`);
    }
    const bytes = e.length * ctor.BYTES_PER_ELEMENT;
    if (e.offset + bytes > binary.length) throw invalid(`model bundle: array "${e.name}" runs past the end of ${ARRAYS_FILE}`);
    const copy = new Uint8Array(bytes);
    copy.set(binary.subarray(e.offset, e.offset + bytes));
    arrays[e.name] = new ctor(copy.buffer);
  }
  const features = man.signature.inputs;
  if (!isObject(man.learner) || typeof man.learner.name !== 'string') throw invalid('model bundle: manifest lacks the learner');
  // every column the preprocessing reads (directly, or as the source of date parts) must be an input of the signature
  const inputs = new Set(features.map((f) => f.name));
  if (!man.preprocessing || !Array.isArray(man.preprocessing.features) || !man.preprocessing.features.every((f) => inputs.has(('source' in f && f.source) || f.name))) {
    throw invalid('model bundle: preprocessing and signature disagree');
  }
  const info = { task: man.target.task, nClasses: man.target.classes?.length ?? 1 };
  const single = (learner: BundleManifest['learner'], encoder: Encoder, own: NamedArrays): TabularModel => {
    if (!isObject(learner) || typeof learner.name !== 'string') throw invalid('model bundle: a learner entry is malformed');
    const uses = new Set(features.map((f) => f.name));
    if (!isObject(encoder) || !Array.isArray(encoder.features) || !encoder.features.every((f) => uses.has(('source' in f && f.source) || f.name))) throw invalid('model bundle: preprocessing and signature disagree');
    const fitted = getLearner(learner.name).load(isObject(learner.meta) ? learner.meta : {}, own, encodedWidth(encoder), info);
    return { target: man.target, features, encoder, learner: { name: learner.name, params: learner.params }, fitted };
  };
  if (man.ensemble !== undefined) {
    if (!isObject(man.ensemble) || !Array.isArray(man.ensemble.members) || man.ensemble.members.length === 0) throw invalid('model bundle: ensemble members are malformed');
    const members = man.ensemble.members.map((m, i) => {
      if (!isObject(m) || typeof m.weight !== 'number' || !Number.isFinite(m.weight) || m.weight < 0) throw invalid(`model bundle: ensemble member ${i} is malformed`);
      const prefix = `m${i}/`;
      const own: NamedArrays = Object.fromEntries(Object.entries(arrays).filter(([k]) => k.startsWith(prefix)).map(([k, a]) => [k.slice(prefix.length), a]));
      return { weight: m.weight, model: single(m.learner, m.preprocessing, own) };
    });
    return { manifest: man, model: { ...members[0].model, learner: { name: 'ensemble', params: man.learner.params }, members }, onnx: null };
  }
  return { manifest: man, model: single(man.learner, man.preprocessing, arrays), onnx: null };
}

/** Content digest of a bundle: sha256 over the manifest text and the arrays. */
export function bundleDigest(manifestText: string, binary: Buffer): string {
  return 'sha256:' + createHash('sha256').update(manifestText).update(binary).digest('hex');
}
