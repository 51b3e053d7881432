import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { dropPgSchemas, pgTestUri } from '../helpers.ts';
import { jsonClient } from './client.ts';
import { ADMIN, startApi } from './harness.ts';

after(dropPgSchemas);

/**
 * 64 writers x 1 000 metric points each through the HTTP API: 100 single-point MLflow log-metric calls and 9 log-batch calls
 * of 100 points per writer, all at once. Exactly 64 000 points must land, with no error.
 */
for (const [label, uri] of [['SQLite', undefined], ['PostgreSQL', 'pg']] as const) {
  describe(`concurrent writers on ${label}`, () => {
    it('64 writers x 1 000 points: exactly 64 000 stored, 0 errors', async () => {
      const api = await startApi(uri === 'pg' ? pgTestUri() : undefined);
      const c = jsonClient(api.url, ADMIN);
      const failures: string[] = [];
      try {
        await Promise.all(
          Array.from({ length: 64 }, async (_, w) => {
            const created = await c.call('POST', '/api/2.0/mlflow/runs/create', { run_name: `writer-${w}` });
            const runId = (JSON.parse(created.text) as { run: { info: { run_id: string } } }).run.info.run_id;
            for (let i = 0; i < 100; i++) {
              const r = await c.call('POST', '/api/2.0/mlflow/runs/log-metric', { run_id: runId, key: 'loss', value: 1 / (i + 1), timestamp: Date.now(), step: i });
              if (r.status !== 200) failures.push(`${r.status} ${r.text}`);
            }
            for (let b = 0; b < 9; b++) {
              const metrics = Array.from({ length: 100 }, (_, j) => ({ key: 'loss', value: j, timestamp: Date.now(), step: 100 + b * 100 + j }));
              const r = await c.call('POST', '/api/2.0/mlflow/runs/log-batch', { run_id: runId, metrics });
              if (r.status !== 200) failures.push(`${r.status} ${r.text}`);
            }
          }),
        );
        assert.deepEqual(failures.slice(0, 3), []);
        const n = await api.sql.driver.get<{ n: number }>('SELECT COUNT(*) AS n FROM metric_points');
        assert.equal(Number(n?.n), 64_000);
        const per = await api.sql.driver.all<{ n: number }>('SELECT COUNT(DISTINCT step) AS n FROM metric_points GROUP BY run_id');
        assert.deepEqual([...new Set(per.map((r) => Number(r.n)))], [1000]);
        assert.equal(await api.sql.integrityCheck(), 'ok');
      } finally {
        c.close();
        await api.close();
      }
    });
  });
}
