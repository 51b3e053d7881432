import { invalid } from '../core/errors.ts';
import type { FeatureSpec, TargetSpec } from '../core/schema.ts';
import { decodeString, readFields, type ProtoField } from './protobuf.ts';

/** A graph input or output as declared: element type (TensorProto.DataType) and dimensions (numbers, names, or null). */
export interface OnnxValue {
  name: string;
  /** 0 for a value that is not a tensor (a sequence of maps from ZipMap, say) */
  elem: number;
  dims: (number | string | null)[];
}

export interface OnnxInfo {
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  /** class labels of a classifier operator in the graph (TreeEnsembleClassifier, LinearClassifier, SVMClassifier...) */
  classLabels: string[] | null;
  props: Record<string, string>;
  producer: string;
}

const ELEM_NAMES: Record<number, string> = { 1: 'float', 2: 'uint8', 3: 'int8', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool', 10: 'float16', 11: 'double' };
export const NUMERIC_ELEMS = new Set([1, 6, 7, 11]);
export const STRING_ELEM = 8;

export function elemName(e: number): string {
  return ELEM_NAMES[e] ?? (e === 0 ? 'not a tensor' : `type ${e}`);
}

const bytesOf = (f: ProtoField) => (f.wire === 2 ? f.bytes : new Uint8Array());
const str = (f: ProtoField) => decodeString(bytesOf(f));

function valueInfo(b: Uint8Array): OnnxValue {
  let name = '';
  let elem = 0;
  const dims: (number | string | null)[] = [];
  for (const f of readFields(b)) {
    if (f.field === 1) name = str(f);
    if (f.field !== 2) continue;
    for (const t of readFields(bytesOf(f))) {
      // TypeProto.tensor_type; any other kind (sequence, map, optional) stays elem 0
      if (t.field !== 1) continue;
      for (const tt of readFields(bytesOf(t))) {
        if (tt.field === 1 && tt.wire === 0) elem = Number(tt.value);
        if (tt.field !== 2) continue;
        for (const d of readFields(bytesOf(tt))) {
          if (d.field !== 1) continue;
          let dim: number | string | null = null;
          for (const x of readFields(bytesOf(d))) {
            if (x.field === 1 && x.wire === 0) dim = Number(BigInt.asIntN(64, x.value));
            if (x.field === 2) dim = str(x);
          }
          dims.push(dim);
        }
      }
    }
  }
  return { name, elem, dims };
}

/** Class labels from a classifier node's attributes, as text. */
function labelsOf(node: Uint8Array): string[] | null {
  for (const a of readFields(node)) {
    if (a.field !== 5) continue;
    const attr = readFields(bytesOf(a));
    const name = attr.find((x) => x.field === 1);
    const attrName = name ? str(name) : '';
    if (attrName === 'classlabels_strings') return attr.filter((x) => x.field === 9).map(str);
    if (attrName === 'classlabels_int64s' || attrName === 'classlabels_ints') {
      const out: string[] = [];
      for (const x of attr.filter((y) => y.field === 8)) {
        if (x.wire === 0) out.push(String(BigInt.asIntN(64, x.value)));
        else for (const v of readFields(withVarintKeys(bytesOf(x)))) if (v.wire === 0) out.push(String(BigInt.asIntN(64, v.value)));
      }
      return out;
    }
  }
  return null;
}

/** A packed run of varints read as fields: prefix each with the key of field 1 (varint). */
function withVarintKeys(packed: Uint8Array): Uint8Array {
  const out: number[] = [];
  let start = true;
  for (const b of packed) {
    if (start) out.push(0x08);
    out.push(b);
    start = (b & 0x80) === 0;
  }
  return Uint8Array.from(out);
}

/** Read what serving needs from an ONNX file: graph inputs and outputs, a classifier's labels, metadata. */
export function readOnnx(bytes: Uint8Array): OnnxInfo {
  let fields: ProtoField[];
  try {
    fields = readFields(bytes);
  } catch (e) {
    throw invalid(`not an ONNX model: ${(e as Error).message}`);
  }
  const graph = fields.find((f) => f.field === 7 && f.wire === 2);
  if (!graph || !fields.some((f) => f.field === 1 && f.wire === 0)) throw invalid('not an ONNX model: no graph or IR version');
  const props: Record<string, string> = {};
  for (const f of fields.filter((x) => x.field === 14)) {
    const kv = readFields(bytesOf(f));
    const k = kv.find((x) => x.field === 1);
    const v = kv.find((x) => x.field === 2);
    if (k) props[str(k)] = v ? str(v) : '';
  }
  const producerField = fields.find((f) => f.field === 2);
  const g = readFields(bytesOf(graph));
  const initializers = new Set<string>();
  for (const f of g.filter((x) => x.field === 5)) {
    const t = readFields(bytesOf(f));
    const name = t.find((x) => x.field === 8);
    // TensorProto.data_location EXTERNAL (14) or external_data (13): the tensor lives in files beside the model, which an
    // import of one file does not bring, and which would be read from wherever the path points
    if (t.some((x) => x.field === 13 || (x.field === 14 && x.wire === 0 && Number(x.value) === 1))) throw invalid(`ONNX initializer "${name ? str(name).slice(0, 80) : '?'}" keeps its data in an external file: save the model with its data inside (onnx.save(model, path, save_as_external_data=False))`);
    if (name) initializers.add(str(name));
  }
  let classLabels: string[] | null = null;
  for (const n of g.filter((f) => f.field === 1)) classLabels ??= labelsOf(bytesOf(n));
  return {
    // an input that is also an initializer has a default and is not something a client sends
    inputs: g.filter((f) => f.field === 11).map((f) => valueInfo(bytesOf(f))).filter((v) => !initializers.has(v.name)),
    outputs: g.filter((f) => f.field === 12).map((f) => valueInfo(bytesOf(f))),
    classLabels,
    props,
    producer: producerField ? str(producerField) : '',
  };
}

/** How a table becomes the graph's inputs: one input per column, or all columns stacked into one [N, F] tensor. */
export type OnnxLayout = { kind: 'columns'; elems: Record<string, number> } | { kind: 'tensor'; input: string; elem: number; width: number };

/** Which outputs hold the answer. */
export type OnnxOutputs = { label?: string; probabilities?: string; value?: string };

export interface OnnxSignature {
  features: FeatureSpec[];
  target: TargetSpec;
  layout: OnnxLayout;
  outputs: OnnxOutputs;
}

const isBatch = (d: number | string | null) => d === null || typeof d === 'string' || d === -1 || d > 0;

/**
 * The signature of an ONNX model trained elsewhere, read from its graph: each [N] or [N, 1] input is a column (numbers or
 * text), a single [N, F] numeric input is F columns named `<input>_<i>`; a label output (int64 or string) with a probability
 * tensor [N, K] makes a classifier, a single numeric output a regressor. A model exported by Capstan keeps its own signature
 * (its features' categories and ranges). What cannot be served is refused with the reason.
 */
export function onnxSignature(info: OnnxInfo): OnnxSignature {
  const ins = info.inputs;
  if (ins.length === 0) throw invalid('ONNX model has no inputs');
  for (const v of ins) if (v.elem === 0) throw invalid(`ONNX input "${v.name}" is not a tensor`);
  const numericOrString = (v: OnnxValue) => NUMERIC_ELEMS.has(v.elem) || v.elem === STRING_ELEM;
  let layout: OnnxLayout;
  let features: FeatureSpec[];
  const perColumn = ins.every((v) => numericOrString(v) && (v.dims.length === 1 || (v.dims.length === 2 && v.dims[1] === 1)) && isBatch(v.dims[0]));
  if (perColumn) {
    layout = { kind: 'columns', elems: Object.fromEntries(ins.map((v) => [v.name, v.elem])) };
    features = ins.map((v): FeatureSpec => (v.elem === STRING_ELEM ? { name: v.name, kind: 'categorical', categories: [], missing: 1 } : { name: v.name, kind: 'numeric', integer: v.elem === 6 || v.elem === 7, min: -Infinity, max: Infinity, missing: 1 }));
  } else if (ins.length === 1 && NUMERIC_ELEMS.has(ins[0].elem) && ins[0].dims.length === 2 && typeof ins[0].dims[1] === 'number' && ins[0].dims[1] > 0) {
    const v = ins[0];
    const width = v.dims[1] as number;
    if (width > 10_000) throw invalid(`ONNX input "${v.name}" has ${width} columns; at most 10000 are served`);
    layout = { kind: 'tensor', input: v.name, elem: v.elem, width };
    features = Array.from({ length: width }, (_, i): FeatureSpec => ({ name: `${v.name}_${i}`, kind: 'numeric', integer: v.elem === 6 || v.elem === 7, min: -Infinity, max: Infinity, missing: 1 }));
  } else {
    const shapes = ins.map((v) => `${v.name}: ${elemName(v.elem)} [${v.dims.map((d) => d ?? '?').join(', ')}]`).join('; ');
    throw invalid(`ONNX inputs must be one tensor per column ([N] or [N, 1], numbers or strings) or one numeric [N, F] tensor; this model has ${shapes}`);
  }
  const outs = info.outputs;
  const nonTensor = outs.find((v) => v.elem === 0);
  const label = outs.find((v) => (v.elem === STRING_ELEM || v.elem === 7) && v.dims.length <= 2);
  const probs = outs.find((v) => v !== label && (v.elem === 1 || v.elem === 11) && v.dims.length === 2);
  let target: TargetSpec;
  let outputs: OnnxOutputs;
  if (label) {
    if (!probs) {
      throw invalid(nonTensor ? `ONNX output "${nonTensor.name}" is not a tensor (a ZipMap of probabilities?); convert the model without it (skl2onnx: options={'zipmap': False})` : 'ONNX classifier has a label output but no probability tensor [N, classes]');
    }
    const k = probs.dims[1];
    const classes = info.classLabels ?? (typeof k === 'number' && k > 0 ? Array.from({ length: k }, (_, i) => String(i)) : null);
    if (!classes || classes.length < 2) throw invalid(`ONNX output "${probs.name}" does not say how many classes there are`);
    if (typeof k === 'number' && k > 0 && k !== classes.length) throw invalid(`ONNX output "${probs.name}" has ${k} columns for ${classes.length} class labels`);
    target = { name: label.name, task: classes.length === 2 ? 'binary' : 'multiclass', classes };
    outputs = { label: label.name, probabilities: probs.name };
  } else {
    const numeric = outs.filter((v) => v.elem === 1 || v.elem === 11);
    if (numeric.length !== 1 || numeric[0].dims.length > 2 || (numeric[0].dims.length === 2 && numeric[0].dims[1] !== 1)) {
      throw invalid(`ONNX outputs must be a label and probabilities (a classifier) or one numeric [N] or [N, 1] tensor (a regressor); this model has ${outs.map((v) => `${v.name}: ${elemName(v.elem)}`).join(', ')}`);
    }
    target = { name: numeric[0].name, task: 'regression' };
    outputs = { value: numeric[0].name };
  }
  // a model Capstan exported keeps the signature it was trained with (categories, ranges, where missing values are allowed)
  const own = info.props['capstan.signature'];
  if (own && layout.kind === 'columns') {
    try {
      const s = JSON.parse(own) as { features: FeatureSpec[]; target: TargetSpec };
      const names = new Set(features.map((f) => f.name));
      if (Array.isArray(s.features) && s.features.length === features.length && s.features.every((f) => names.has(f.name))) {
        features = s.features;
        target = { ...target, name: s.target.name, classes: s.target.classes ?? target.classes };
      }
    } catch {
      // a damaged property: the graph's own signature stands
    }
  }
  return { features, target, layout, outputs };
}
