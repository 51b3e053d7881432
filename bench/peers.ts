import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Make sure Debian's Python peers are installed (python3-sklearn, python3-xgboost, python3-pandas): benchmarks install what
 * they compare against instead of assuming a prepared machine.
 */
export function ensurePythonPeers(): void {
  ensureDebian('python3 -c "import sklearn, xgboost, pandas"', ['python3-sklearn', 'python3-xgboost', 'python3-pandas']);
}

/** The serving peers: gunicorn + Flask + scikit-learn, and wrk to drive HTTP load. */
export function ensureServingPeers(): void {
  ensurePythonPeers();
  ensureDebian('python3 -c "import flask" && command -v gunicorn && command -v wrk', ['python3-flask', 'gunicorn', 'wrk']);
}

/** Install Debian packages with apt-get unless `probe` (a shell command) already succeeds. */
function ensureDebian(probe: string, packages: string[]): void {
  if (spawnSync('sh', ['-c', probe.replace(/^python3/, '/usr/bin/python3')], { stdio: 'ignore' }).status === 0) return;
  console.error(`installing ${packages.join(' ')} with apt-get ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', ...packages]]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed: install ${packages.join(' ')} by hand`);
  }
}

/** The speed benchmarks' data set, make_classification(rows x 20) (bench/make_synthetic.py), written once into bench/out. */
export function synthetic(rows = 200_000): string {
  const out = join(import.meta.dirname, 'out');
  const file = join(out, rows === 200_000 ? 'synth200k.csv' : `synth${rows}.csv`);
  mkdirSync(out, { recursive: true });
  if (!existsSync(file)) execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'make_synthetic.py'), file, String(rows)], { stdio: 'inherit' });
  return file;
}
