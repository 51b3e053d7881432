import { invalid } from '../core/errors.ts';
import type { Table } from '../core/table.ts';
import { predictTable, type Predictions } from '../learn/index.ts';
import type { OnnxScorer } from '../onnx/runtime.ts';
import type { LoadedModel } from '../registry/index.ts';

const scorers = new WeakMap<LoadedModel, Promise<OnnxScorer>>();

/** The onnxruntime session of a model imported as ONNX, created once per loaded model. */
export function onnxScorer(loaded: LoadedModel): Promise<OnnxScorer> {
  let s = scorers.get(loaded);
  if (!s) {
    const { onnx, manifest } = loaded;
    if (!onnx || !manifest.onnx) throw invalid(`model ${loaded.name} is not an ONNX model`);
    s = import('../onnx/runtime.ts').then(({ OnnxScorer }) => OnnxScorer.load(onnx, { features: manifest.signature.inputs, target: manifest.target, ...manifest.onnx! }));
    // a session that failed to load is not kept: the next call tries again
    s.catch(() => scorers.delete(loaded));
    scorers.set(loaded, s);
  }
  return s;
}

/** Predictions of a loaded model, Capstan's own or imported as ONNX. */
export async function predictLoaded(loaded: LoadedModel, table: Table): Promise<Predictions> {
  if (table.rows === 0) throw invalid('no rows to predict');
  if (loaded.model) return predictTable(loaded.model, table);
  return (await onnxScorer(loaded)).predict(table);
}
