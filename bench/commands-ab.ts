/**
 * `capstan quickstart --no-serve`, `capstan train` and `capstan automl --trials` of two checkouts (A and B, each built) side by
 * side, whole processes in fresh homes, alternating A and B ROUNDS times: the wall time and peak RSS of each, and whether the
 * results are the same (metrics of the registered model, the CV scores, the leaderboard).
 * Run: node --import tsx bench/commands-ab.ts DIR_A DIR_B [ROUNDS=5]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const [dirA, dirB] = process.argv.slice(2, 4);
if (!dirA || !dirB) throw new Error('usage: node --import tsx bench/commands-ab.ts DIR_A DIR_B [ROUNDS]');
const rounds = Number(process.argv[4] ?? 5);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const DATA = join(import.meta.dirname, '..', '..', 'shared', 'datasets');
const data = (name: string) => {
  for (const dir of [DATA, '/work/shared/datasets']) {
    try {
      readFileSync(join(dir, name), { flag: 'r' });
      return join(dir, name);
    } catch {
      // next
    }
  }
  throw new Error(`no dataset ${name}`);
};

interface Case {
  name: string;
  args: string[];
  /** what must be equal between A and B */
  result: (stdout: string) => unknown;
}

const CASES: Case[] = [
  { name: 'quickstart --no-serve', args: ['quickstart', '--no-serve'], result: (out) => /accuracy [0-9.]+, balanced_accuracy.*$/m.exec(out)?.[0] },
  { name: 'train lending_club --cv 5', args: ['train', data('lending_club.csv'), '--target', 'Class', '--cv', '5', '--json'], result: (out) => JSON.parse(out).cv.folds },
  { name: 'train ames_housing --cv 0 --register', args: ['train', data('ames_housing.csv'), '--target', 'Sale_Price', '--cv', '0', '--register', 'ames', '--json'], result: (out) => JSON.parse(out).leaderboard[0].params },
  { name: 'train shuttle (58k rows) --cv 0', args: ['train', data('shuttle.csv'), '--target', 'Class', '--cv', '0', '--json'], result: (out) => JSON.parse(out).task },
  { name: 'automl penguins --trials 8', args: ['automl', data('penguins.csv'), '--target', 'species', '--trials', '8', '--cv', '3', '--json'], result: (out) => JSON.parse(out).leaderboard.map((c: { id: number; cv_mean: number }) => [c.id, c.cv_mean]) },
];

function once(dir: string, c: Case): { seconds: number; rssMb: number; result: string } {
  const home = mkdtempSync(join(tmpdir(), 'capstan-cmd-'));
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, join(dir, 'bin', 'capstan.js'), ...c.args], { env: { ...process.env, CAPSTAN_HOME: home }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${dir} ${c.name}: exit ${r.status}: ${r.stderr.slice(-2000)}`);
  const [seconds, kb] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { seconds, rssMb: kb / 1024, result: JSON.stringify(c.result(r.stdout)) };
}

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}; A=${dirA} B=${dirB}, ${rounds} rounds\n`);
console.log('| command | A median s | B median s | B/A (median of pairs) | A peak RSS MB | B peak RSS MB | same results |');
console.log('|---|---|---|---|---|---|---|');
for (const c of CASES) {
  const a: ReturnType<typeof once>[] = [];
  const b: ReturnType<typeof once>[] = [];
  for (let k = 0; k < rounds; k++) {
    if (k % 2 === 0) {
      a.push(once(dirA, c));
      b.push(once(dirB, c));
    } else {
      b.push(once(dirB, c));
      a.push(once(dirA, c));
    }
  }
  const same = a.every((x) => x.result === a[0].result) && b.every((x) => x.result === a[0].result);
  if (!same) console.error(`${c.name}: A ${a[0].result.slice(0, 300)}\n   B ${b[0].result.slice(0, 300)}`);
  const ratio = median(a.map((x, k) => b[k].seconds / x.seconds));
  console.log(`| ${c.name} | ${median(a.map((x) => x.seconds)).toFixed(2)} | ${median(b.map((x) => x.seconds)).toFixed(2)} | ${ratio.toFixed(3)} | ${median(a.map((x) => x.rssMb)).toFixed(0)} | ${median(b.map((x) => x.rssMb)).toFixed(0)} | ${same ? 'yes' : 'NO'} |`);
}
