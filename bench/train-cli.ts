/**
 * Issue 22: training as a user runs it. `capstan train` of make_classification(200 000 x 20) (bench/make_synthetic.py), one
 * process per command, beside a Python process that reads the CSV with pandas and fits the peer on the same rows
 * (bench/speed_peers.py ... all): the fit's seconds (Capstan's from its own report, the peer's around its fit call), the whole process's
 * seconds and its peak RSS (/usr/bin/time). The two run in turn, PAIRS times, never at once; figures are medians and ratios
 * are medians of per-pair ratios.
 * Run: node --import tsx bench/train-cli.ts [PAIRS=3]   (FOREST=1 adds the random forest, one pair per thread count: ~5 min;
 * ROWS=4000000 takes make_classification of that many rows, written in blocks of a million; THREADS=1 the GBDT's thread counts)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePythonPeers, synthetic } from './peers.ts';

ensurePythonPeers();
const ROOT = join(import.meta.dirname, '..');
const DATA = synthetic(Number(process.env.ROWS ?? 200_000));
const pairs = Number(process.argv[2] ?? 3);

interface Run {
  fit: number;
  wall: number;
  rssMb: number;
}

/** A command under /usr/bin/time: its wall seconds and peak RSS, and its output. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): { wall: number; rssMb: number; out: string } {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', cmd, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.slice(-2000)}`);
  const m = /TIME ([\d.]+) (\d+)/.exec(r.stderr)!;
  return { wall: Number(m[1]), rssMb: Number(m[2]) / 1024, out: r.stdout + r.stderr };
}

function capstan(learner: string, threads: number): Run {
  const home = mkdtempSync(join(tmpdir(), 'capstan-bench-train-'));
  const params = learner === 'gbdt' ? ['--param', 'n_estimators=100', '--param', 'max_depth=6', '--param', 'learning_rate=0.1'] : ['--param', 'n_estimators=100'];
  const r = timed(process.execPath, [join(ROOT, 'bin', 'capstan.js'), 'train', DATA, '--target', 'y', '--cv', '0', '--learner', learner, '--threads', String(threads), ...params], { ...process.env, CAPSTAN_HOME: home });
  const fit = /fitted on \d+ rows in ([\d.]+) s/.exec(r.out);
  if (!fit) throw new Error(`no fit time in: ${r.out.slice(-1000)}`);
  return { fit: Number(fit[1]), wall: r.wall, rssMb: r.rssMb };
}

function peer(model: string, threads: number): Run {
  const r = timed('/usr/bin/python3', [join(ROOT, 'bench', 'speed_peers.py'), DATA, model, String(threads), 'all'], { ...process.env, OMP_NUM_THREADS: String(threads) });
  return { fit: (JSON.parse(r.out.split('\n').find((l) => l.startsWith('{'))!) as { fit: number }).fit, wall: r.wall, rssMb: r.rssMb };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const cases: { learner: string; peer: string; threads: number; pairs: number }[] = [
  ...(process.env.THREADS ?? '1,2').split(',').map((t) => ({ learner: 'gbdt', peer: 'xgboost', threads: Number(t), pairs })),
  ...(process.env.FOREST === '1'
    ? [
        { learner: 'forest', peer: 'sklearn_rf', threads: 1, pairs: 1 },
        { learner: 'forest', peer: 'sklearn_rf', threads: 2, pairs: 1 },
      ]
    : []),
];
console.log(`machine: ${cpus().length} x ${cpus()[0].model.trim()}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}; ${DATA}\n`);
console.log('| learner, threads | pairs | Capstan fit s | peer fit s | fit ratio | Capstan command s | peer process s | command ratio | Capstan peak RSS MB | peer peak RSS MB | RSS ratio |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const c of cases) {
  const ours: Run[] = [];
  const theirs: Run[] = [];
  for (let i = 0; i < c.pairs; i++) {
    // alternate which side goes first, so drift in the machine's speed does not favour one
    if (i % 2 === 0) {
      ours.push(capstan(c.learner, c.threads));
      theirs.push(peer(c.peer, c.threads));
    } else {
      theirs.push(peer(c.peer, c.threads));
      ours.push(capstan(c.learner, c.threads));
    }
    console.error(`${c.learner} ${c.threads}: capstan fit ${ours.at(-1)!.fit.toFixed(2)} s, ${c.peer} fit ${theirs.at(-1)!.fit.toFixed(2)} s`);
  }
  const ratio = (k: keyof Run) => median(ours.map((o, i) => o[k] / theirs[i][k]));
  const m = (rs: Run[], k: keyof Run) => median(rs.map((r) => r[k]));
  console.log(`| ${c.learner} vs ${c.peer}, ${c.threads} | ${c.pairs} | ${m(ours, 'fit').toFixed(2)} | ${m(theirs, 'fit').toFixed(2)} | ${ratio('fit').toFixed(2)} | ${m(ours, 'wall').toFixed(2)} | ${m(theirs, 'wall').toFixed(2)} | ${ratio('wall').toFixed(2)} | ${m(ours, 'rssMb').toFixed(0)} | ${m(theirs, 'rssMb').toFixed(0)} | ${ratio('rssMb').toFixed(2)} |`);
}
