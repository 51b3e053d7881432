import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startApi, type Api } from '../api/harness.ts';
import { files, approveChampion, cli, TELCO, tempHome } from '../helpers.ts';

/* Findings 4, 5 and 6: what a caller names, registers or sends can no longer reach the disk, lie to a reviewer or poison a record. */
describe('records and references a caller cannot forge', () => {
  const home = tempHome();
  let api: Api;
  let member: string;
  let viewer: string;
  const row = { female: 1, senior_citizen: 0, partner: 1, dependents: 0, tenure: 1, phone_service: 0, multiple_lines: 'No phone service', internet_service: 'DSL', online_security: 'No', online_backup: 'Yes', device_protection: 'No', tech_support: 'No', streaming_tv: 'No', streaming_movies: 'No', contract: 'Month-to-month', paperless_billing: 1, payment_method: 'Electronic check', monthly_charges: 29.85, total_charges: 29.85 };

  before(async () => {
    assert.equal(cli(['train', TELCO, '--target', 'churn', '--cv', '2', '--param', 'n_estimators=5', '--register', 'churn'], home).status, 0);
    api = await startApi(undefined, home);
    await approveChampion(api.stores.metadata, 'churn', 1);
    const token = async (name: string, role: string) => ((await (await api.call('POST', '/api/v1/tokens', { name, role })).json()) as { token: string }).token;
    member = await token('mem', 'member');
    viewer = await token('val', 'viewer');
  });
  after(() => api.close());

  it('a model reference from the query string is a path on disk: refused, and caches and metric series stay bounded', async () => {
    // a bundle directory outside the registry that the process can read
    const outside = join(tempHome(), 'dir');
    cpSync(files(api.stores).resolve((await api.stores.metadata.models.getVersion('churn', 1)).source), outside, { recursive: true });
    for (let i = 0; i < 300; i++) {
      const spelled = ['', '/', '//', '/./', '/x/../'][i % 5];
      for (const ref of [`${outside}${spelled}${i}`, `../${i}/dir`, `%2F${i}`]) {
        const res = await api.call('POST', `/invocations?model=${encodeURIComponent(ref)}&version=1`, { dataframe_records: [row] }, viewer);
        assert.equal(res.status, 400, ref);
        assert.match(((await res.json()) as { message: string }).message, /model .* is not allowed/);
      }
    }
    const metrics = await (await api.call('GET', '/metrics', undefined, viewer)).text();
    assert.ok(metrics.split('\n').filter((l) => l.startsWith('capstan_requests_total')).length <= 3, 'unknown names share one series');
    // the registered model still answers
    assert.equal((await api.call('POST', '/invocations?model=churn', { dataframe_records: [row] }, viewer)).status, 200);
  });

  it('version records can lie: the server reads digest and metrics from the bundle; foreign sources, forged metrics and digests are refused', async () => {
    const v1 = await api.stores.metadata.models.getVersion('churn', 1);
    // pointing at another version's bundle gives that bundle's real digest and metrics, whatever the request claims
    const forged = await api.call('POST', '/api/v1/models/churn/versions', { source: v1.source, metrics: { cv_roc_auc_mean: 0.999 } }, member);
    assert.equal(forged.status, 400);
    assert.match(((await forged.json()) as { error: { message: string } }).error.message, /metrics is read from the bundle/);
    const wrongDigest = await api.call('POST', '/api/v1/models/churn/versions', { source: v1.source, digest: 'sha256:' + '0'.repeat(64) }, member);
    assert.equal(wrongDigest.status, 400);
    const honest = await api.call('POST', '/api/v1/models/churn/versions', { source: v1.source }, member);
    assert.equal(honest.status, 201);
    const v = (await honest.json()) as { digest: string; metrics: Record<string, number>; author: string };
    assert.deepEqual([v.digest, v.metrics, v.author], [v1.digest, v1.metrics, 'mem']);
    for (const source of ['/etc/passwd', '../../outside', 'models/not-a-bundle', 'file:///srv/model']) {
      const res = await api.call('POST', '/api/v1/models/churn/versions', { source }, member);
      assert.equal(res.status, 400, source);
    }
  });

  it('a bundle changed after registration is never served: loading checks the recorded digest', async () => {
    assert.equal(cli(['train', TELCO, '--target', 'churn', '--cv', '0', '--param', 'n_estimators=3', '--register', 'tampered'], home).status, 0);
    await approveChampion(api.stores.metadata, 'tampered', 1);
    const dir = files(api.stores).resolve((await api.stores.metadata.models.getVersion('tampered', 1)).source);
    const manifest = JSON.parse(readFileSync(join(dir, 'capstan-model.json'), 'utf8')) as { metrics: Record<string, number> };
    manifest.metrics = { looks: 1 };
    writeFileSync(join(dir, 'capstan-model.json'), JSON.stringify(manifest));
    const res = await api.call('POST', '/invocations?model=tampered', { dataframe_records: [row] }, viewer);
    assert.equal(res.status, 503);
    assert.doesNotMatch(await res.text(), new RegExp(home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'no server path in the answer');
  });

  it('deep nesting poisons records: bodies nested past 64 levels are refused before anything is written, and reads stay whole', async () => {
    const deep = (n: number): unknown => (n === 0 ? 1 : { a: deep(n - 1) });
    const nested = '{"a":'.repeat(4111) + '1' + '}'.repeat(4111);
    for (const [method, path, body] of [
      ['POST', '/api/v1/models/churn/versions', `{"source": "x", "signature": ${nested}}`],
      ['POST', '/api/v1/datasets', `{"name": "d", "contentHash": "h", "source": "s", "rows": 1, "columns": 1, "schema": ${nested}}`],
      ['POST', '/api/v1/predictions', `{"records": [{"id": "p1", "model": "churn", "version": "1", "at": 1, "latencyMs": 1, "features": {"columns": [], "rows": []}, "outputs": ${nested}}]}`],
      ['POST', '/api/2.0/mlflow/runs/log-batch', `{"run_id": "0123456789abcdef", "tags": [${'['.repeat(100)}${']'.repeat(100)}]}`],
    ] as const) {
      const res = await api.call(method, path, body, member);
      assert.equal(res.status, 400, path);
      assert.match(await res.text(), /nests deeper than 64 levels/);
    }
    // at the limit is fine; and the store refuses what a local caller would write past it
    assert.equal((await api.call('POST', '/api/v1/datasets', { name: 'ok-depth', contentHash: 'h', source: 's', rows: 1, columns: 1, schema: deep(60) }, member)).status, 201);
    await assert.rejects(api.stores.metadata.datasets.register({ name: 'local', contentHash: 'h2', source: 's', rows: 1, columns: 1, schema: deep(100) }), /schema nests deeper than 64/);
    const versions = await api.call('GET', '/api/v1/models/churn/versions', undefined, viewer);
    assert.equal(versions.status, 200);
    // a record written before the limit existed reads back with the value left out, not as an error for every reader
    await api.sql.driver.run("UPDATE model_versions SET signature = ? WHERE name = 'churn' AND version = 1", [nested]);
    const read = await api.call('GET', '/api/v1/models/churn/versions', undefined, viewer);
    assert.equal(read.status, 200);
    assert.equal(((await read.json()) as { items: { signature: unknown }[] }).items[0].signature, null);
  });
});
