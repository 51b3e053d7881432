import { ProtoWriter } from './protobuf.ts';

/** ONNX element types used here (TensorProto.DataType). */
export const FLOAT = 1;
export const UINT8 = 2;
export const INT64 = 7;
export const STRING = 8;
export const BOOL = 9;
export const DOUBLE = 11;

export type ElemType = typeof FLOAT | typeof UINT8 | typeof INT64 | typeof STRING | typeof BOOL | typeof DOUBLE;

/** A constant tensor: numbers of one element type, or strings. */
export interface Tensor {
  type: ElemType;
  dims: number[];
  values: ArrayLike<number> | string[];
}

/** Attribute values: ints and floats are told apart by the caller (`{ f: 0.5 }`), as ONNX types them. */
export type Attr = number | string | number[] | string[] | { f: number } | { floats: number[] } | Tensor;

const ML = 'ai.onnx.ml';

function tensorProto(t: Tensor, name?: string): ProtoWriter {
  const w = new ProtoWriter();
  w.packedInts(1, t.dims);
  w.int(2, t.type);
  if (name) w.string(8, name);
  if (t.type === STRING) for (const s of t.values as string[]) w.string(6, s);
  else if (t.type === DOUBLE) w.packedDoubles(10, t.values as ArrayLike<number>);
  else if (t.type === FLOAT) w.packedFloats(4, t.values as ArrayLike<number>);
  else if (t.type === INT64) w.packedInts(7, t.values as ArrayLike<number>);
  // uint8 and bool travel in int32_data
  else w.packedInts(5, t.values as ArrayLike<number>);
  return w;
}

function isTensor(v: Attr): v is Tensor {
  return typeof v === 'object' && v !== null && 'dims' in v;
}

function attribute(name: string, v: Attr): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if (typeof v === 'number') return w.int(20, 2).int(3, v);
  if (typeof v === 'string') return w.int(20, 3).string(4, v);
  if (isTensor(v)) return w.int(20, 4).message(5, tensorProto(v));
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') {
      w.int(20, 8);
      for (const s of v as string[]) w.string(9, s);
      return w;
    }
    return w.int(20, 7).packedInts(8, v as number[]);
  }
  if ('f' in v) return w.int(20, 1).float(2, v.f);
  return w.int(20, 6).packedFloats(7, v.floats);
}

function valueInfo(name: string, type: ElemType, dims: (number | string)[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, type).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

/**
 * Builds an ONNX graph node by node; every intermediate value gets a fresh name. `build()` returns the ModelProto bytes
 * (IR version 10; default opset 21 and ai.onnx.ml 5 unless told otherwise).
 */
export class OnnxGraph {
  private nodes: ProtoWriter[] = [];
  private inits: ProtoWriter[] = [];
  private inputs: ProtoWriter[] = [];
  private outputs: ProtoWriter[] = [];
  private counter = 0;
  private constants = new Map<string, string>();

  fresh(hint: string): string {
    return `${hint.replace(/[^A-Za-z0-9_]/g, '_')}_${++this.counter}`;
  }

  input(name: string, type: ElemType, dims: (number | string)[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  output(name: string, type: ElemType, dims: (number | string)[]): void {
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** A named constant tensor (the same scalar constants are shared). */
  constant(t: Tensor, hint = 'const'): string {
    const scalar = t.dims.length === 0 || (t.dims.length === 1 && t.dims[0] === 1);
    const key = scalar ? `${t.type}:${t.dims.join('x')}:${String((t.values as ArrayLike<unknown>)[0])}` : '';
    if (scalar && this.constants.has(key)) return this.constants.get(key)!;
    const name = this.fresh(hint);
    this.inits.push(tensorProto(t, name));
    if (scalar) this.constants.set(key, name);
    return name;
  }

  double(values: number[] | number, dims?: number[]): string {
    const v = typeof values === 'number' ? [values] : values;
    return this.constant({ type: DOUBLE, dims: dims ?? (typeof values === 'number' ? [] : [v.length]), values: v });
  }

  int64(values: number[], dims?: number[]): string {
    return this.constant({ type: INT64, dims: dims ?? [values.length], values });
  }

  /** Add a node; returns its output names (`outputs` of them). */
  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, opts: { domain?: 'ml'; outputs?: number; names?: string[] } = {}): string[] {
    const outs = opts.names ?? Array.from({ length: opts.outputs ?? 1 }, () => this.fresh(op));
    const w = new ProtoWriter();
    for (const i of inputs) w.string(1, i);
    for (const o of outs) w.string(2, o);
    w.string(3, this.fresh(`${op}_node`)).string(4, op);
    if (opts.domain === 'ml') w.string(7, ML);
    for (const [k, v] of Object.entries(attrs)) w.message(5, attribute(k, v));
    this.nodes.push(w);
    return outs;
  }

  /** One-output node shorthand. */
  op(op: string, inputs: string[], attrs: Record<string, Attr> = {}, domain?: 'ml'): string {
    return this.node(op, inputs, attrs, { domain })[0];
  }

  build(meta: { producer: string; version: string; doc: string; props: Record<string, string>; opset?: number; mlOpset?: number }): Uint8Array {
    const graph = new ProtoWriter();
    for (const n of this.nodes) graph.message(1, n);
    graph.string(2, 'capstan');
    for (const t of this.inits) graph.message(5, t);
    for (const i of this.inputs) graph.message(11, i);
    for (const o of this.outputs) graph.message(12, o);
    const model = new ProtoWriter().int(1, 10).string(2, meta.producer).string(3, meta.version).string(6, meta.doc).message(7, graph);
    model.message(8, new ProtoWriter().string(1, '').int(2, meta.opset ?? 21));
    model.message(8, new ProtoWriter().string(1, ML).int(2, meta.mlOpset ?? 5));
    for (const [k, v] of Object.entries(meta.props)) model.message(14, new ProtoWriter().string(1, k).string(2, v));
    return model.finish();
  }
}
