/**
 * Capstan side of bench/speed.ts: one learner on the synthetic set, in its own process so peak RSS is its own.
 * Usage: node --import tsx bench/speed-capstan.ts FILE gbdt|forest THREADS  -> one JSON line.
 */
import { readTable } from '../src/data/index.ts';
import { getLearner, resolveParams } from '../src/learn/index.ts';
import { takeMatrixRows, type FeatureMatrix } from '../src/learn/matrix.ts';

const [file, learner, threadsArg] = process.argv.slice(2);
const threads = Number(threadsArg ?? 1);
const table = await readTable(file);
const cols = table.columns.slice(0, -1).map((c) => (c.kind === 'numeric' ? c.values : new Float64Array(0)));
const yCol = table.columns[table.columns.length - 1];
const y = yCol.kind === 'numeric' ? yCol.values : new Float64Array(0);
const X: FeatureMatrix = { rows: table.rows, columns: cols, kinds: cols.map(() => 'numeric'), nCategories: cols.map(() => 0), names: cols.map((_, i) => `f${i}`) };
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const train = takeMatrixRows(X, range(0, 160_000));
const test = takeMatrixRows(X, range(160_000, 200_000));
const first100k = takeMatrixRows(X, range(0, 100_000));
const l = getLearner(learner);
// the configuration: 100 trees, depth 6, learning rate 0.1 (XGBoost's defaults otherwise: no minimum leaf size)
const user: Record<string, number> = learner === 'gbdt' ? { n_estimators: 100, max_depth: 6, max_leaf_nodes: 64, learning_rate: 0.1, min_samples_leaf: 1, min_child_weight: 1, early_stopping: 0 } : { n_estimators: 100 };
let t = performance.now();
const fitted = await l.fit(train, y.subarray(0, 160_000), { task: 'binary', nClasses: 2 }, resolveParams(l, user), 0, threads);
const fit = (performance.now() - t) / 1000;
t = performance.now();
fitted.predict(first100k);
const predict = (performance.now() - t) / 1000;
const p = fitted.predict(test);
let ok = 0;
for (let i = 0; i < test.rows; i++) if ((p[2 * i + 1] > 0.5 ? 1 : 0) === y[160_000 + i]) ok++;
console.log(JSON.stringify({ fit, predict, accuracy: ok / test.rows }));
