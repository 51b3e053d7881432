import { invalid } from '../core/errors.ts';
import type { Task } from '../core/schema.ts';
import type { FeatureMatrix } from './matrix.ts';

export type NamedArrays = Record<string, Float64Array | Int32Array | Uint32Array | Uint8Array>;

export interface TaskInfo {
  task: Task;
  /** classes for classification, 1 for regression */
  nClasses: number;
  /**
   * Epoch milliseconds after which iterative learners stop adding trees (keeping at least one round) so a time budget holds;
   * the fitted model is then smaller than asked, never broken.
   */
  deadline?: number;
}

/**
 * A fitted learner. It exists only as the result of `fit` (or of loading a bundle), so "predict before fit" cannot compile.
 * `predict` returns row-major probabilities (rows x classes) for classification and values for regression.
 */
export interface Fitted {
  predict(X: FeatureMatrix): Float64Array;
  /** everything needed to rebuild it: JSON-safe metadata and typed arrays, never code */
  state(): { meta: Record<string, unknown>; arrays: NamedArrays };
}

/** One declared parameter: its scikit-learn name, the option key, and the allowed range (checked before fitting). */
export type ParamValue = number | string;

export interface ParamSpec {
  name: string;
  key: string;
  type: 'int' | 'float' | 'bool' | 'enum';
  min?: number;
  max?: number;
  /** min is exclusive */
  above?: boolean;
  /** the allowed words of an enum parameter */
  values?: string[];
  default: ParamValue;
}

/**
 * A learner: declared parameters, the preprocessing it wants, and fit/load. Follows scikit-learn's contract, typed:
 * options in, `fit()` returns a fitted model.
 */
export interface Learner<P = Record<string, ParamValue>> {
  name: string;
  description: string;
  params: ParamSpec[];
  /** tree: numeric values raw + categories as codes; dense: imputed, one-hot, scaled numbers only */
  preprocessing: 'tree' | 'dense';
  tasks: Task[];
  /** may fan out to worker threads, hence a promise */
  fit(X: FeatureMatrix, y: Float64Array, info: TaskInfo, params: P, seed: number, threads: number): Fitted | Promise<Fitted>;
  load(meta: Record<string, unknown>, arrays: NamedArrays, nFeatures: number, info: TaskInfo): Fitted;
}

/**
 * Resolve user parameters (scikit-learn names) over the declared defaults, checking type and range; errors name the parameter
 * and what it allows.
 */
export function resolveParams<P>(learner: Pick<Learner, 'name' | 'params'>, user: Record<string, ParamValue>): P {
  const out: Record<string, ParamValue> = {};
  for (const s of learner.params) out[s.key] = s.default;
  for (const [name, given] of Object.entries(user)) {
    const s = learner.params.find((p) => p.name === name);
    if (!s) throw invalid(`unknown parameter "${name}" for learner ${learner.name} (allowed: ${learner.params.map((p) => p.name).join(', ')})`);
    if (s.type === 'enum') {
      if (typeof given !== 'string' || !s.values!.includes(given)) throw invalid(`parameter ${name} must be one of ${s.values!.join(', ')}, got ${String(given)}`);
      out[s.key] = given;
      continue;
    }
    const v = typeof given === 'string' ? Number(given.trim() === '' ? NaN : given) : given;
    if (typeof v !== 'number' || (typeof given === 'string' && Number.isNaN(v))) throw invalid(`parameter ${name} must be a number, got ${String(given)}`);
    const range = `${s.min !== undefined ? `${s.above ? '>' : '>='} ${s.min}` : ''}${s.min !== undefined && s.max !== undefined ? ' and ' : ''}${s.max !== undefined ? `<= ${s.max}` : ''}`;
    if (s.type === 'bool' && v !== 0 && v !== 1) throw invalid(`parameter ${name} must be 0 or 1, got ${v}`);
    if (s.type === 'int' && !Number.isInteger(v)) throw invalid(`parameter ${name} must be an integer${range ? ` ${range}` : ''}, got ${v}`);
    if (!Number.isFinite(v) || (s.min !== undefined && (s.above ? v <= s.min : v < s.min)) || (s.max !== undefined && v > s.max)) {
      throw invalid(`parameter ${name} must be ${s.type === 'int' ? 'an integer' : 'a number'} ${range}, got ${v}`);
    }
    out[s.key] = v;
  }
  return out as P;
}
