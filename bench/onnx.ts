/**
 * Issue 7 ONNX check at full size: every exportable learner (gbdt, forest, linear) with its defaults, trained on all rows of
 * each dataset of ../shared/datasets, exported to ONNX and run by onnxruntime-node on the same rows; the largest absolute
 * difference from Capstan's own predictions (probabilities or values), label disagreements, file size, and onnxruntime's
 * scoring time beside Capstan's for all rows. The tests (test/onnx.test.ts) check the same at small size with hostile rows.
 * Run: node --import tsx bench/onnx.ts [dataset...]
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { columnByName } from '../src/core/table.ts';
import { inferFeatures, prepareTarget, readTable } from '../src/data/index.ts';
import { predictTable, trainModel } from '../src/learn/index.ts';
import { exportOnnx } from '../src/onnx/index.ts';

const ROOT = join(import.meta.dirname, '..');
const SHARED = join(ROOT, '..', 'shared');
const datasets = JSON.parse(readFileSync(join(SHARED, 'datasets', 'datasets.json'), 'utf8')) as { name: string; file: string; target: string }[];
const only = process.argv.slice(2);

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, node ${process.version}, onnxruntime-node ${ort.env.versions.node}, ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| dataset | learner | rows | max abs diff | labels differing | ONNX KB | capstan ms | onnxruntime ms |');
console.log('|---|---|---|---|---|---|---|---|');
let worstAll = 0;
for (const d of datasets.filter((x) => only.length === 0 || only.includes(x.name))) {
  const prep = prepareTarget(await readTable(join(SHARED, 'datasets', d.file)), d.target, 'auto');
  const features = inferFeatures(prep.features);
  for (const learner of ['gbdt', 'forest', 'linear']) {
    const model = await trainModel(prep.features, prep.y, prep.spec, features, { learner, params: {}, seed: 0 });
    const bytes = exportOnnx(model);
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    const n = prep.features.rows;
    const feeds: Record<string, ort.Tensor> = {};
    for (const f of features) {
      const c = columnByName(prep.features, f.name)!;
      if (f.kind === 'numeric') feeds[f.name] = new ort.Tensor('float64', c.kind === 'numeric' ? c.values : new Float64Array(n), [n, 1]);
      else feeds[f.name] = new ort.Tensor('string', c.kind === 'categorical' ? Array.from(c.codes, (k) => (k < 0 ? '' : c.categories[k])) : [], [n, 1]);
    }
    let t = performance.now();
    const ours = predictTable(model, prep.features);
    const oursMs = performance.now() - t;
    t = performance.now();
    const out = await session.run(feeds);
    const ortMs = performance.now() - t;
    const mine = ours.proba ?? ours.values!;
    const theirs = (out.probabilities ?? out.variable).data as Float64Array;
    let worst = 0;
    for (let i = 0; i < mine.length; i++) worst = Math.max(worst, Math.abs(mine[i] - theirs[i]));
    let differ = 0;
    if (ours.classIndex) {
      const labels = out.label.data as string[];
      for (let i = 0; i < n; i++) if (labels[i] !== prep.spec.classes![ours.classIndex[i]]) differ++;
    }
    worstAll = Math.max(worstAll, worst);
    console.log(`| ${d.name} | ${learner} | ${n} | ${worst.toExponential(1)} | ${ours.classIndex ? differ : '-'} | ${(bytes.length / 1024).toFixed(0)} | ${oursMs.toFixed(0)} | ${ortMs.toFixed(0)} |`);
  }
}
console.log(`\nworst absolute difference over all: ${worstAll.toExponential(2)} (target <= 1e-5)`);
