/**
 * What monitoring and humility rules add to each answer, in-process: MonitorRecorder.answered (the window counting of a
 * one-row request: 19 features' bins, out-of-range, output bins, latency) and HumilityRules.apply with bench/humility-rules.yaml
 * (three rules over every feature, none firing on the row), beside the model's own prediction of that row. Medians of ROUNDS.
 * The whole-server figure is bench/serving-ab.ts with AB_FLAGS_A=--no-monitor AB_HUMILITY_B=bench/humility-rules.yaml.
 * Run: node --import tsx bench/monitor-hotpath.ts [ROUNDS=5]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { takeRows } from '../src/core/table.ts';
import { readTable } from '../src/data/index.ts';
import { predictTable } from '../src/learn/index.ts';
import { HumilityRules, MonitorRecorder, parseHumilityRules } from '../src/monitor/index.ts';
import { loadModel } from '../src/registry/index.ts';
import { openStores } from '../src/store/index.ts';

const ROOT = join(import.meta.dirname, '..');
const rounds = Number(process.argv[2] ?? 5);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const home = mkdtempSync(join(tmpdir(), 'capstan-bench-hotpath-'));
const telco = join(ROOT, 'examples', 'telco-churn', 'telco_churn.csv');
const t = spawnSync(process.execPath, [join(ROOT, 'bin', 'capstan.js'), 'train', telco, '--target', 'churn', '--cv', '0', '--register', 'churn'], { env: { ...process.env, CAPSTAN_HOME: home }, encoding: 'utf8' });
if (t.status !== 0) throw new Error(t.stderr);
const s = await openStores(home);
const loaded = await loadModel(s, 'churn:1');
const one = takeRows(await readTable(telco), [5]);
const p = predictTable(loaded.model!, one);
const recorder = new MonitorRecorder(null);
const rules = new HumilityRules(parseHumilityRules(parse(readFileSync(join(ROOT, 'bench', 'humility-rules.yaml'), 'utf8')), loaded.manifest), loaded.manifest);
if (rules.apply(one, p) !== null) throw new Error('a rule fired on the bench row');
const N = 500_000;
const per = (fn: () => void, n: number) => {
  const a = performance.now();
  for (let i = 0; i < n; i++) fn();
  return ((performance.now() - a) / n) * 1000;
};
const m: number[] = [];
const h: number[] = [];
const q: number[] = [];
for (let k = 0; k < rounds; k++) {
  m.push(per(() => recorder.answered('churn', '1', loaded.manifest, one, p, 1.2), N));
  h.push(per(() => rules.apply(one, p), N));
  q.push(per(() => predictTable(loaded.model!, one), N / 10));
}
console.log(`machine: ${cpus().length} x ${cpus()[0].model}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log(`per one-row answer (median of ${rounds}): monitoring ${median(m).toFixed(3)} us, humility rules ${median(h).toFixed(3)} us, the prediction itself ${median(q).toFixed(3)} us`);
await s.metadata.close();
