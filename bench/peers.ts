import { spawnSync } from 'node:child_process';

/**
 * Make sure Debian's Python peers are installed (python3-sklearn, python3-xgboost, python3-pandas): benchmarks install what
 * they compare against instead of assuming a prepared machine.
 */
export function ensurePythonPeers(): void {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import sklearn, xgboost, pandas'], { encoding: 'utf8' });
  if (probe.status === 0) return;
  console.error('installing the Python peers (python3-sklearn python3-xgboost python3-pandas) with apt-get ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'python3-sklearn', 'python3-xgboost', 'python3-pandas']]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed: install python3-sklearn python3-xgboost python3-pandas by hand`);
  }
}
