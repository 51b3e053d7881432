import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { CapstanError, invalid } from '../core/errors.ts';
import type { Column, Table } from '../core/table.ts';
import type { Predictions } from '../learn/index.ts';
import { STRING_ELEM, type OnnxSignature } from './read.ts';

type Ort = typeof import('onnxruntime-node');

let ort: Promise<Ort> | undefined;

/**
 * onnxruntime's message in Capstan's words: its error prefix and source locations (file and line of its C++ code) are for the
 * server log, not for callers; the whole text stays on the error's cause.
 */
function ortMessage(e: unknown): string {
  const first = String((e as Error)?.message ?? e).split('\n')[0];
  return first
    .replace(/\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*/g, '')
    .replace(/\S*[\\/]\S+\.(cc|cpp|h|hpp|c):\d+\S*/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

/** What to do when onnxruntime-node is not installed: it is an optional peer dependency. */
export const ONNX_RUNTIME_HINT =
  'ONNX models need onnxruntime-node, an optional dependency of Capstan: npm install onnxruntime-node@1.30.0 --ignore-scripts ' +
  '(its install script only downloads GPU parts; the CPU runtime is in the package)';

/**
 * onnxruntime-node, loaded on first use: it is large, optional (only models imported as ONNX and export parity checks need it),
 * and its install script downloads GPU parts from outside, which a locked-down machine cannot do.
 */
function runtime(): Promise<Ort> {
  ort ??= import('onnxruntime-node').catch((e: NodeJS.ErrnoException) => {
    ort = undefined;
    if (e.code === 'ERR_MODULE_NOT_FOUND') throw new CapstanError('UNAVAILABLE', ONNX_RUNTIME_HINT);
    throw new CapstanError('UNAVAILABLE', `onnxruntime-node could not be loaded (${e.message}); ${ONNX_RUNTIME_HINT}`);
  });
  return ort;
}

const TYPED: Record<number, 'float32' | 'float64' | 'int32' | 'int64'> = { 1: 'float32', 6: 'int32', 7: 'int64', 11: 'float64' };

function numbersOf(c: Column): Float64Array {
  if (c.kind === 'numeric') return c.values;
  return Float64Array.from(c.codes, (k) => (k < 0 ? NaN : Number(c.categories[k])));
}

function tensorOf(o: Ort, elem: number, values: Float64Array, dims: number[], name: string): OrtTensor {
  const type = TYPED[elem];
  if (type === 'float64') return new o.Tensor('float64', values, dims);
  if (type === 'float32') return new o.Tensor('float32', Float32Array.from(values), dims);
  // integer inputs: a missing or fractional value has no integer form
  for (let i = 0; i < values.length; i++) if (!Number.isInteger(values[i])) throw invalid(`input "${name}": value ${i} is not an integer (this model takes ${type})`);
  if (type === 'int32') return new o.Tensor('int32', Int32Array.from(values), dims);
  return new o.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);
}

/** Float64 copies of a numeric output tensor's data. */
function doubles(t: OrtTensor): Float64Array {
  const d = t.data;
  if (d instanceof Float64Array) return d;
  if (d instanceof Float32Array) return Float64Array.from(d);
  throw new CapstanError('INTERNAL', `ONNX output has type ${t.type}, expected float or double`);
}

/** An ONNX model served through onnxruntime: the session is created once and reused for every request. */
export class OnnxScorer {
  private constructor(
    private readonly o: Ort,
    private readonly session: InferenceSession,
    readonly signature: OnnxSignature,
  ) {}

  static async load(bytes: Uint8Array, signature: OnnxSignature): Promise<OnnxScorer> {
    const o = await runtime();
    try {
      // one intra-op thread per session: requests run side by side, and `serve --workers` brings the parallelism
      // onnxruntime's own log (its C++ source locations) stays quiet: its errors come back as exceptions, whose full text the
      // server logs as the cause of the answer's error
      const session = await o.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 4 });
      return new OnnxScorer(o, session, signature);
    } catch (e) {
      throw new CapstanError('INVALID_ARGUMENT', `onnxruntime cannot load this model: ${ortMessage(e)}`, { cause: e });
    }
  }

  /** Predictions for a table holding the signature's columns (onnxruntime runs on its own threads). */
  async predict(table: Table): Promise<Predictions> {
    const { layout, features, outputs, target } = this.signature;
    const n = table.rows;
    const column = (name: string) => {
      const c = table.columns.find((x) => x.name === name);
      if (!c) throw invalid(`input is missing column "${name}"`);
      return c;
    };
    const feeds: Record<string, OrtTensor> = {};
    if (layout.kind === 'tensor') {
      const F = layout.width;
      const X = new Float64Array(n * F);
      features.forEach((f, j) => {
        const v = numbersOf(column(f.name));
        for (let i = 0; i < n; i++) X[i * F + j] = v[i];
      });
      feeds[layout.input] = tensorOf(this.o, layout.elem, X, [n, F], layout.input);
    } else {
      for (const f of features) {
        const c = column(f.name);
        const elem = layout.elems[f.name];
        if (elem === STRING_ELEM) {
          const text = c.kind === 'categorical' ? Array.from(c.codes, (k) => (k < 0 ? '' : c.categories[k])) : Array.from(c.values, (v) => (Number.isNaN(v) ? '' : String(v)));
          feeds[f.name] = new this.o.Tensor('string', text, [n, 1]);
        } else feeds[f.name] = tensorOf(this.o, elem, numbersOf(c), [n, 1], f.name);
      }
    }
    let result: InferenceSession.ReturnType;
    try {
      result = await this.session.run(feeds);
    } catch (e) {
      throw new CapstanError('INVALID_ARGUMENT', `the ONNX model failed on this input: ${ortMessage(e)}`, { cause: e });
    }
    if (outputs.value) {
      const values = doubles(result[outputs.value]);
      if (values.length !== n) throw new CapstanError('INTERNAL', `ONNX output "${outputs.value}" has ${values.length} values for ${n} rows`);
      return { rows: n, values };
    }
    const K = target.classes!.length;
    const proba = doubles(result[outputs.probabilities!]);
    if (proba.length !== n * K) throw new CapstanError('INTERNAL', `ONNX output "${outputs.probabilities}" has ${proba.length} values for ${n} rows of ${K} classes`);
    // the class is the model's own label output, matched to the class list (it may differ from the arg-max of probabilities)
    const labels = result[outputs.label!].data as ArrayLike<string | bigint | number>;
    const index = new Map(target.classes!.map((c, i) => [c, i]));
    const classIndex = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const k = index.get(String(labels[i]));
      if (k === undefined) {
        let best = 0;
        for (let c = 1; c < K; c++) if (proba[i * K + c] > proba[i * K + best]) best = c;
        classIndex[i] = best;
      } else classIndex[i] = k;
    }
    return { rows: n, proba, classIndex };
  }
}
