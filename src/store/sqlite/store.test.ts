import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempHome } from '../../../test/helpers.ts';
import { metadataStoreConformance } from '../conformance.ts';
import { openMetadataStore } from '../open.ts';
import { forDialect, MIGRATIONS } from '../sql/migrations.ts';

metadataStoreConformance('SQLite', () => openMetadataStore(`sqlite:${join(tempHome(), 'c.db')}`));

/** A store file as a release that knew migrations up to `version` left it (written directly, not through the store). */
function storeAtMigration(path: string, version: number): Database.Database {
  const db = new Database(path);
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  for (const m of MIGRATIONS.filter((x) => x.version <= version)) {
    db.exec(forDialect(m, 'sqlite'));
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, 1);
  }
  return db;
}

describe('SQLite specifics', () => {
  it('reopening runs no migration twice and keeps the data; the file passes the integrity check', async () => {
    const path = join(tempHome(), 'c.db');
    const s = await openMetadataStore(path);
    await s.models.createVersion({ name: 'm', runId: null, source: 's', digest: 'd', task: 'binary', metrics: {}, author: 'a' });
    await s.close();
    const again = await openMetadataStore(`sqlite:${path}`);
    assert.equal((await again.models.latestVersion('m')).version, 1);
    assert.equal(await again.integrityCheck(), 'ok');
    await again.close();
  });

  it('upgrades a store written before migration 3: metric history kept, latest metrics and version counters backfilled', async () => {
    const path = join(tempHome(), 'old.db');
    const old = storeAtMigration(path, 2);
    old.exec(`INSERT INTO experiments VALUES ('e1', 'quickstart', 1);
      INSERT INTO runs VALUES ('0000000000000001', 'e1', 'r', 'FINISHED', 1, 2);
      INSERT INTO metrics VALUES ('0000000000000001', 'auc', 0.7, 0, 1), ('0000000000000001', 'auc', 0.8, 1, 2), ('0000000000000001', 'loss', NULL, 0, 1);
      INSERT INTO registered_models VALUES ('m', 1);
      INSERT INTO model_versions VALUES ('m', 1, '0000000000000001', 'models/m/a', 'd1', 'binary', '{}', 1), ('m', 2, NULL, 'models/m/b', 'd2', 'binary', '{}', 2);
      INSERT INTO model_aliases VALUES ('m', 'champion', 2);`);
    old.close();
    const s = await openMetadataStore(path);
    const run = await s.runs.get('0000000000000001');
    assert.equal(run.metrics.auc, 0.8);
    assert.ok(Number.isNaN(run.metrics.loss));
    assert.deepEqual((await s.runs.metricHistory(run.id, 'auc')).map((p) => p.value), [0.7, 0.8]);
    assert.equal((await s.models.createVersion({ name: 'm', runId: null, source: 's', digest: 'd3', task: 'binary', metrics: {}, author: 'a' })).version, 3);
    assert.equal(await s.models.aliasVersion('m', 'champion'), 2);
    // models on the old default protection gain champion, what the server answers their bare name with
    assert.deepEqual((await s.models.getModel('m')).policy, { protectedAliases: ['champion', 'production'], selfApproval: false });
    assert.equal(await s.integrityCheck(), 'ok');
    await s.close();
  });

  it('upgrades a prediction log written before migration 5: old records read back whole beside new ones', async () => {
    const path = join(tempHome(), 'log4.db');
    const old = storeAtMigration(path, 4);
    const features = { columns: ['tenure', 'contract'], rows: [[3, 'Month-to-month']] };
    old.prepare('INSERT INTO predictions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run('old1', 'churn', '1', 1000, 2.5, 1, JSON.stringify(features), '{"predictions":[0.4]}', 0);
    old.close();
    const s = await openMetadataStore(path);
    const rec = { id: 'new1', model: 'churn', version: '2', at: 2000, latencyMs: 1, rows: 1, features: { columns: ['tenure', 'contract'], rows: [[7, 'Two year']] }, outputs: { predictions: [0.1] }, shadow: false };
    await s.predictions.append([rec]);
    assert.deepEqual(await s.predictions.get('old1'), { id: 'old1', model: 'churn', version: '1', at: 1000, latencyMs: 2.5, rows: 1, features, outputs: { predictions: [0.4] }, shadow: false });
    assert.deepEqual((await s.predictions.list({ model: 'churn' })).items, [await s.predictions.get('old1'), rec]);
    assert.equal(await s.integrityCheck(), 'ok');
    await s.close();
  });

  it('the audit log refuses updates and deletes', async () => {
    const s = await openMetadataStore(':memory:');
    await s.models.createModel({ name: 'm', actor: 'a' });
    await assert.rejects(s.driver.run("UPDATE audit_events SET actor = 'mallory'"), /append-only/);
    await assert.rejects(s.driver.run('DELETE FROM audit_events'), /append-only/);
    await s.close();
  });
});
