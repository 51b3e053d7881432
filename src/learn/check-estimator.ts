import { Rng } from '../core/random.ts';
import type { FeatureSpec, TargetSpec, Task } from '../core/schema.ts';
import { encodeStrings, numericColumn, takeRows, type Table } from '../core/table.ts';
import { getLearner } from './learners.ts';
import { rowMajor, silhouette } from './cluster/index.ts';
import { encode, predictTable, encodedWidth, type TabularModel } from './model.ts';
import { trainModel } from './train.ts';
import { evaluate } from './metrics/index.ts';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** A learnable mixed table: two numeric features (one with gaps), one categorical with an effect, one pure-noise column. */
export function checkTable(task: Task, n = 600, seed = 1): { table: Table; y: Float64Array; target: TargetSpec; features: FeatureSpec[] } {
  const rng = new Rng(seed);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const noise = new Float64Array(n);
  const c: string[] = [];
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = rng.next() * 4 - 2;
    b[i] = rng.next() < 0.1 ? NaN : rng.next() * 4 - 2;
    noise[i] = rng.next();
    c.push(['red', 'green', 'blue'][rng.int(3)]);
    const s = 1.5 * a[i] + (Number.isNaN(b[i]) ? 0 : b[i]) + (c[i] === 'blue' ? 1.5 : 0) + rng.next() - 0.5;
    y[i] = task === 'regression' ? s : task === 'binary' ? (s > 0.5 ? 1 : 0) : s < -0.5 ? 0 : s < 1.5 ? 1 : 2;
  }
  const table: Table = { rows: n, columns: [numericColumn('a', a), numericColumn('b', b), encodeStrings('c', c), numericColumn('noise', noise)] };
  const features: FeatureSpec[] = [
    { name: 'a', kind: 'numeric', integer: false, min: -2, max: 2, missing: 0 },
    { name: 'b', kind: 'numeric', integer: false, min: -2, max: 2, missing: 0 },
    { name: 'c', kind: 'categorical', categories: ['blue', 'green', 'red'], missing: 0 },
    { name: 'noise', kind: 'numeric', integer: false, min: 0, max: 1, missing: 0 },
  ];
  const target: TargetSpec = { name: 'y', task, classes: task === 'regression' || task === 'clustering' ? undefined : task === 'binary' ? ['0', '1'] : ['0', '1', '2'] };
  return { table, y, target, features };
}

function same(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

function output(model: TabularModel, table: Table): Float64Array {
  const p = predictTable(model, table);
  return p.proba ?? p.values!;
}

/**
 * The battery every learner must pass (scikit-learn's check_estimator, for our contract): deterministic for a seed, identical
 * after a save/load round trip of its state, right output shapes with probabilities summing to 1, finite outputs for
 * NaN / infinite / unknown inputs, one row predicted exactly as in a batch, and better than chance on learnable data.
 */
export async function checkEstimator(learnerName: string, task: Task, params: Record<string, number | string> = {}, threads = 1): Promise<CheckResult[]> {
  const learner = getLearner(learnerName);
  const { table, y, target, features } = checkTable(task);
  const trainRows = Array.from({ length: 400 }, (_, i) => i);
  const testRows = Array.from({ length: 200 }, (_, i) => 400 + i);
  const train = takeRows(table, trainRows);
  const test = takeRows(table, testRows);
  const yTrain = y.subarray(0, 400);
  const yTest = y.subarray(400);
  const spec = { learner: learnerName, params, seed: 3, threads };
  const results: CheckResult[] = [];
  const check = (name: string, fn: () => string | true) => {
    try {
      const r = fn();
      results.push({ name, ok: r === true, detail: r === true ? '' : r });
    } catch (e) {
      results.push({ name, ok: false, detail: (e as Error).message });
    }
  };
  const model = await trainModel(train, yTrain, target, features, spec);
  if (task === 'clustering') target.classes = model.target.classes;
  const again = await trainModel(train, yTrain, target, features, spec);
  const out = output(model, test);
  const K = target.classes?.length ?? 1;
  check('determinism', () => (same(out, output(again, test)) ? true : 'two fits with the same seed differ'));
  check('save/load round trip', () => {
    const state = model.fitted.state();
    const meta = JSON.parse(JSON.stringify(state.meta)) as Record<string, unknown>;
    const encoder = JSON.parse(JSON.stringify(model.encoder)) as TabularModel['encoder'];
    const arrays = Object.fromEntries(Object.entries(state.arrays).map(([k, v]) => [k, v.slice()]));
    const loaded = learner.load(meta, arrays, encodedWidth(encoder), { task, nClasses: K });
    return same(out, output({ ...model, encoder, fitted: loaded }, test)) ? true : 'predictions change after a round trip';
  });
  check('shapes and probabilities', () => {
    if (out.length !== test.rows * K) return `expected ${test.rows * K} outputs, got ${out.length}`;
    if (task === 'regression') return out.every(Number.isFinite) ? true : 'non-finite prediction';
    for (let i = 0; i < test.rows; i++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const p = out[i * K + k];
        if (!(p >= 0 && p <= 1)) return `probability ${p} out of [0, 1]`;
        s += p;
      }
      if (Math.abs(s - 1) > 1e-9) return `row ${i} probabilities sum to ${s}`;
    }
    return true;
  });
  check('NaN, infinity and unknown categories', () => {
    const odd: Table = {
      rows: 3,
      columns: [numericColumn('a', Float64Array.of(NaN, Infinity, -Infinity)), numericColumn('b', Float64Array.of(NaN, 1e308, -1e308)), encodeStrings('c', [null, 'purple', 'red']), numericColumn('noise', Float64Array.of(NaN, 0.5, NaN))],
    };
    const o = output(model, odd);
    return o.every(Number.isFinite) ? true : `non-finite outputs ${Array.from(o).join(', ')}`;
  });
  check('single row equals batch', () => {
    for (const r of [0, 57, 199]) {
      const one = output(model, takeRows(test, [r]));
      for (let k = 0; k < K; k++) if (one[k] !== out[r * K + k]) return `row ${r}: ${one[k]} alone vs ${out[r * K + k]} in a batch`;
    }
    return true;
  });
  check('learns', () => {
    if (task === 'clustering') {
      // the clusters separate the encoded test rows better than chance
      const X = encode(model.encoder, test);
      const labels = Int32Array.from({ length: test.rows }, (_, i) => out.subarray(i * K, (i + 1) * K).indexOf(1));
      const s = silhouette(rowMajor(X), test.rows, X.columns.length, labels);
      return s > 0.1 ? true : `silhouette ${s.toFixed(3)} not above 0.1`;
    }
    const ev = evaluate(task, yTest, out, K);
    const floor = task === 'binary' ? 0.8 : task === 'multiclass' ? 0.6 : 0.5;
    return ev.score >= floor ? true : `${ev.metric} ${ev.score.toFixed(3)} below ${floor}`;
  });
  return results;
}
