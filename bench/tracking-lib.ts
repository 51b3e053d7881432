/** What the tracking benchmarks share: a `capstan server` process of a checkout, and 100 000 runs bulk-loaded into a store. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/core/random.ts';
import { openMetadataStore } from '../src/store/index.ts';
import { insertMany } from '../src/store/sql/paging.ts';

export const TOKEN = 'bench-admin-token-0123456789abcdef0123456789';

/** `capstan server --port 0` of the checkout at `root` over the store at `storeUri`, once it says where it listens. */
export async function startCapstanServer(root: string, storeUri: string): Promise<{ url: string; child: ChildProcess }> {
  const home = mkdtempSync(join(tmpdir(), 'capstan-bench-'));
  const child = spawn(process.execPath, [join(root, 'bin', 'capstan.js'), 'server', '--port', '0'], {
    env: { ...process.env, CAPSTAN_HOME: home, CAPSTAN_ADMIN_TOKEN: TOKEN, CAPSTAN_STORE_URI: storeUri },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /capstan server on (http:\/\/[0-9.]+:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  return { url, child };
}

/** `n` runs with 2 params, 1 tag and 2 metrics each, written through the store's SQL driver; the seconds it took. */
export async function bulkRuns(uri: string, n: number): Promise<number> {
  const s = await openMetadataStore(uri);
  const rng = new Rng(5);
  const exp = await s.experiments.ensure('bench');
  const t0 = performance.now();
  const learners = ['gbdt', 'forest', 'linear', 'knn', 'bayes'];
  const teams = ['risk', 'growth', 'ops', 'fraud'];
  for (let start = 0; start < n; start += 5000) {
    const ids = Array.from({ length: Math.min(5000, n - start) }, (_, i) => (start + i).toString(16).padStart(16, '0'));
    await s.driver.tx(async (q) => {
      await insertMany(q, 'INSERT INTO runs (id, experiment_id, name, status, started_at, user_id)', 6, ids.map((id, i) => [id, exp.id, `run-${start + i}`, 'FINISHED', 1_700_000_000_000 + start + i, 'bench']));
      await insertMany(q, 'INSERT INTO params (run_id, key, value)', 3, ids.flatMap((id) => [[id, 'learner', learners[rng.int(5)]], [id, 'lr', String(rng.next())]]));
      await insertMany(q, 'INSERT INTO tags (run_id, key, value)', 3, ids.map((id) => [id, 'team', teams[rng.int(4)]]));
      const points = ids.flatMap((id) => [[id, 'roc_auc', rng.next(), 0, 1], [id, 'log_loss', rng.next(), 0, 1]]);
      await insertMany(q, 'INSERT INTO metric_points (run_id, key, value, step, timestamp)', 5, points);
      await insertMany(q, 'INSERT INTO latest_metrics (run_id, key, value, step, timestamp)', 5, points);
    });
  }
  await s.driver.run('ANALYZE');
  await s.close();
  return (performance.now() - t0) / 1000;
}
