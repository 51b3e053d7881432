import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempHome } from '../../../test/helpers.ts';
import { metadataStoreConformance } from '../conformance.ts';
import { openMetadataStore } from '../open.ts';

metadataStoreConformance('SQLite', () => openMetadataStore(`sqlite:${join(tempHome(), 'c.db')}`));

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

  it('the audit log refuses updates and deletes', async () => {
    const s = await openMetadataStore(':memory:');
    await s.models.createModel({ name: 'm', actor: 'a' });
    await assert.rejects(s.driver.run("UPDATE audit_events SET actor = 'mallory'"), /append-only/);
    await assert.rejects(s.driver.run('DELETE FROM audit_events'), /append-only/);
    await s.close();
  });
});
