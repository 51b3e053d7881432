import { invalid } from '../core/errors.ts';
import type { FeatureSpec, TargetSpec } from '../core/schema.ts';
import { takeRows, type Column, type Table } from '../core/table.ts';
import type { PreparedTarget } from '../data/index.ts';
import { predictionOutput, predictTable, takeValues, trainModel } from '../learn/index.ts';
import { scoreOf } from './score.ts';
import type { Params } from './space.ts';

/** Everything a fold fit needs, the same on the coordinator and on every worker. */
export interface Problem {
  t: PreparedTarget;
  features: FeatureSpec[];
  folds: { train: number[]; test: number[] }[];
  metric: string;
  seed: number;
}

/** One candidate on one fold. */
export interface FoldJob {
  learner: string;
  params: Params;
  fold: number;
  /** epoch milliseconds after which the fit keeps what it has (a time budget); absent for fixed-trial searches */
  deadline?: number;
}

export interface FoldResult {
  score: number;
  /** fit time, without prediction */
  seconds: number;
  /** time to predict the fold's test rows */
  predictSeconds: number;
  /** predictions of the fold's test rows, in their order: rows x classes probabilities, or values */
  predictions: Float64Array;
}

/**
 * Where fold fits run. The search keeps up to `slots` candidates in flight; an evaluator may run them in this process
 * (`localEvaluator`, one slot) or on workers. `evaluate` rejects with the learner's error when the candidate itself fails;
 * an evaluator that loses a worker retries elsewhere rather than rejecting.
 */
export interface Evaluator {
  readonly slots: number;
  evaluate(job: FoldJob): Promise<FoldResult>;
}

export async function evaluateFold(p: Problem, job: FoldJob): Promise<FoldResult> {
  const f = p.folds[job.fold];
  if (!f) throw invalid(`fold ${job.fold} does not exist (${p.folds.length} folds)`);
  const { t } = p;
  const t0 = performance.now();
  const model = await trainModel(takeRows(t.features, f.train), takeValues(t.y, f.train), t.spec, p.features, { learner: job.learner, params: job.params, seed: p.seed, ...(job.deadline !== undefined ? { deadline: job.deadline } : {}) });
  const seconds = (performance.now() - t0) / 1000;
  const test = takeRows(t.features, f.test);
  const t1 = performance.now();
  const predictions = predictionOutput(predictTable(model, test));
  const predictSeconds = (performance.now() - t1) / 1000;
  return { score: scoreOf(t.spec.task, p.metric, takeValues(t.y, f.test), predictions, t.spec.classes?.length ?? 1), seconds, predictSeconds, predictions };
}

export function localEvaluator(p: Problem): Evaluator {
  return { slots: 1, evaluate: (job) => evaluateFold(p, job) };
}

interface ColumnHeader {
  kind: Column['kind'];
  name: string;
  temporal?: boolean;
  categories?: string[];
}

interface ProblemHeader {
  spec: TargetSpec;
  features: FeatureSpec[];
  metric: string;
  seed: number;
  rows: number;
  droppedMissingTarget: number;
  columns: ColumnHeader[];
  /** per fold: train and test row counts; the row lists follow in the binary part */
  folds: [number, number][];
}

/**
 * A problem as bytes, to ship to workers once: a length-prefixed JSON header, then the arrays (y, each column, each fold's
 * train and test rows), each 8-byte aligned, in header order. Exact: numbers travel as their IEEE bytes.
 */
export function encodeProblem(p: Problem): Buffer {
  const { t } = p;
  const arrays: ArrayBufferView[] = [t.y];
  const columns = t.features.columns.map((c): ColumnHeader => {
    arrays.push(c.kind === 'numeric' ? c.values : c.codes);
    return c.kind === 'numeric' ? { kind: c.kind, name: c.name, ...(c.temporal ? { temporal: true } : {}) } : { kind: c.kind, name: c.name, categories: c.categories };
  });
  for (const f of p.folds) arrays.push(Int32Array.from(f.train), Int32Array.from(f.test));
  const header: ProblemHeader = { spec: t.spec, features: p.features, metric: p.metric, seed: p.seed, rows: t.features.rows, droppedMissingTarget: t.droppedMissingTarget, columns, folds: p.folds.map((f) => [f.train.length, f.test.length]) };
  const json = Buffer.from(JSON.stringify(header));
  const start = align(4 + json.length);
  let size = start;
  for (const a of arrays) size = align(size + a.byteLength);
  const out = Buffer.alloc(size);
  out.writeUInt32LE(json.length, 0);
  json.copy(out, 4);
  let at = start;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at = align(at + a.byteLength);
  }
  return out;
}

export function decodeProblem(bytes: Uint8Array): Problem {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = buf.readUInt32LE(0);
  const h = JSON.parse(buf.subarray(4, 4 + length).toString('utf8')) as ProblemHeader;
  // copy onto a fresh aligned buffer so typed arrays can view it
  const body = new Uint8Array(buf.subarray(align(4 + length))).buffer;
  let at = 0;
  const take = <T>(ctor: { new (b: ArrayBuffer, o: number, n: number): T; BYTES_PER_ELEMENT: number }, n: number): T => {
    const a = new ctor(body, at, n);
    at = align(at + n * ctor.BYTES_PER_ELEMENT);
    return a;
  };
  const y = take(Float64Array, h.rows);
  const columns = h.columns.map((c): Column => (c.kind === 'numeric' ? { kind: 'numeric', name: c.name, values: take(Float64Array, h.rows), ...(c.temporal ? { temporal: true } : {}) } : { kind: 'categorical', name: c.name, codes: take(Int32Array, h.rows), categories: c.categories ?? [] }));
  const folds = h.folds.map(([train, test]) => ({ train: Array.from(take(Int32Array, train)), test: Array.from(take(Int32Array, test)) }));
  const features: Table = { rows: h.rows, columns };
  return { t: { spec: h.spec, y, features, droppedMissingTarget: h.droppedMissingTarget }, features: h.features, folds, metric: h.metric, seed: h.seed };
}

function align(n: number): number {
  return (n + 7) & ~7;
}
