import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { dropPgSchemas, pgTestUri } from '../../../test/helpers.ts';
import { metadataStoreConformance } from '../conformance.ts';
import { openMetadataStore } from '../open.ts';
import { MIGRATIONS } from '../sql/migrations.ts';

after(dropPgSchemas);

metadataStoreConformance('PostgreSQL', () => openMetadataStore(pgTestUri()));

describe('PostgreSQL specifics', () => {
  it('two processes migrating at once apply each migration once', async () => {
    const uri = pgTestUri();
    const [a, b] = await Promise.all([openMetadataStore(uri), openMetadataStore(uri)]);
    const rows = await a.driver.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(rows.map((r) => r.version), MIGRATIONS.map((m) => m.version));
    assert.equal(await a.integrityCheck(), 'ok');
    await Promise.all([a.close(), b.close()]);
  });

  it('the audit log refuses updates and deletes', async () => {
    const s = await openMetadataStore(pgTestUri());
    await s.models.createModel({ name: 'm', actor: 'a' });
    await assert.rejects(s.driver.run("UPDATE audit_events SET actor = 'mallory'"), /append-only/);
    await assert.rejects(s.driver.run('DELETE FROM audit_events'), /append-only/);
    await s.close();
  });

  it('an unreachable server is a clear UNAVAILABLE error', async () => {
    await assert.rejects(openMetadataStore('postgres://postgres@127.0.0.1:1/none'), (e: { code?: string; message: string }) => e.code === 'UNAVAILABLE' && /PostgreSQL is not reachable/.test(e.message));
  });
});
