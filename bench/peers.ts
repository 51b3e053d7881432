import { spawnSync } from 'node:child_process';

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
