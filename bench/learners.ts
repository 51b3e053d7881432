/**
 * Issue 3 quality benchmark: 5-fold CV (stratified for classes, seed 0) of every learner with its defaults on every dataset
 * of ../shared/datasets, beside scikit-learn / XGBoost defaults run in the same command (../shared/tools/sklearn_anchors.py,
 * Debian's python3-sklearn + python3-xgboost). The check: our gbdt, forest and linear each score at least their counterpart's
 * mean minus one standard deviation.
 * Run: node --import tsx bench/learners.ts [dataset...]   (LEARNERS=gbdt,forest to restrict, PEERS=0 to skip the peers,
 * DATASETS=folder for another datasets.json folder than ../shared/datasets)
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { inferFeatures, prepareTarget, readTable } from '../src/data/index.ts';
import { crossValidate } from '../src/pipeline/components/cross-validate.ts';
import { ensurePythonPeers } from './peers.ts';

ensurePythonPeers();

const ROOT = join(import.meta.dirname, '..');
const SHARED = join(ROOT, '..', 'shared');
const OUT = join(ROOT, 'bench', 'out');
mkdirSync(OUT, { recursive: true });
const DATASETS = process.env.DATASETS ?? join(SHARED, 'datasets');
const datasets = JSON.parse(readFileSync(join(DATASETS, 'datasets.json'), 'utf8')) as { name: string; file: string; target: string; task: string }[];
const only = process.argv.slice(2);
const learners = (process.env.LEARNERS ?? 'gbdt,forest,linear,knn,bayes').split(',');
const PEER: Record<string, string> = { gbdt: 'hist_gbdt', forest: 'random_forest', linear: 'linear' };

const peersPromise: Promise<string> =
  process.env.PEERS === '0'
    ? Promise.resolve(readFileSync(join(DATASETS, 'anchors.tsv'), 'utf8'))
    : new Promise((resolve, reject) =>
        execFile('/usr/bin/python3', [join(SHARED, 'tools', 'sklearn_anchors.py'), DATASETS], { env: { ...process.env, OMP_NUM_THREADS: '1' }, maxBuffer: 1 << 24 }, (e, out) => (e ? reject(e) : resolve(out))),
      );

const rows: string[] = [];
const ours = new Map<string, { mean: number; std: number; fit: number }>();
for (const d of datasets) {
  if (only.length > 0 && !only.includes(d.name)) continue;
  const table = await readTable(join(DATASETS, d.file));
  const t = prepareTarget(table, d.target, d.task as 'binary');
  const features = inferFeatures(t.features);
  for (const learner of learners) {
    if (learner === 'bayes' && t.spec.task === 'regression') continue;
    const cv = await crossValidate(t, features, { learner, params: {}, seed: 0 }, 5);
    ours.set(`${d.name}/${learner}`, { mean: cv.mean, std: cv.std, fit: cv.fitSeconds });
    const line = `${d.name}\t${learner}\t${cv.mean.toFixed(4)}\t${cv.std.toFixed(4)}\t${cv.fitSeconds.toFixed(2)}`;
    rows.push(line);
    console.log(line);
  }
}
const peers = new Map<string, { mean: number; std: number; fit: number }>();
for (const line of (await peersPromise).trim().split('\n').slice(1)) {
  const [name, , model, , mean, std, , fit] = line.split('\t');
  peers.set(`${name}/${model}`, { mean: Number(mean), std: Number(std), fit: Number(fit) });
}
const report: string[] = [
  `machine: ${cpus().length} x ${cpus()[0].model}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}; peers ${process.env.PEERS === '0' ? 'from anchors.tsv' : 'run in this command'}`,
  '',
  '| dataset | learner | Capstan 5-fold mean ± std | fit s (5 folds) | peer | peer mean ± std | peer fit s | check (>= peer mean - std) |',
  '|---|---|---|---|---|---|---|---|',
];
let failures = 0;
for (const [key, o] of ours) {
  const [name, learner] = key.split('/');
  const peerName = PEER[learner];
  const p = peerName ? peers.get(`${name}/${peerName}`) : undefined;
  const ok = p ? o.mean >= p.mean - p.std : undefined;
  if (ok === false) failures++;
  report.push(`| ${name} | ${learner} | ${o.mean.toFixed(4)} ± ${o.std.toFixed(4)} | ${o.fit.toFixed(1)} | ${peerName ?? '-'} | ${p ? `${p.mean.toFixed(4)} ± ${p.std.toFixed(4)}` : '-'} | ${p ? p.fit.toFixed(1) : '-'} | ${ok === undefined ? '-' : ok ? 'pass' : '**FAIL**'} |`);
}
report.push('', `${failures} check(s) failed`);
writeFileSync(join(OUT, 'learners.md'), report.join('\n') + '\n');
console.log(report.join('\n'));
