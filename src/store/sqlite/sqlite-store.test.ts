import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempHome } from '../../../test/helpers.ts';
import { SqliteMetadataStore } from './sqlite-store.ts';

describe('SqliteMetadataStore', () => {
  it('tracks runs with params, latest metrics, tags and steps', async () => {
    const s = new SqliteMetadataStore(join(tempHome(), 'c.db'));
    const run = await s.createRun({ experiment: 'e', name: 'r', tags: { team: 'risk' } });
    await s.logParams(run.id, { lr: 0.1 });
    await s.logMetrics(run.id, { auc: 0.7 }, 0);
    await s.logMetrics(run.id, { auc: 0.8 }, 1);
    await s.recordStep({ runId: run.id, name: 'load', status: 'SUCCEEDED', startedAt: 1, endedAt: 2, error: null });
    await s.endRun(run.id, 'FINISHED');
    const got = await s.getRun(run.id);
    assert.deepEqual([got.status, got.params.lr, got.metrics.auc, got.tags.team], ['FINISHED', '0.1', 0.8, 'risk']);
    assert.equal((await s.listSteps(run.id))[0].status, 'SUCCEEDED');
    await assert.rejects(s.getRun('nope'), /run nope not found/);
    await s.close();
  });

  it('same dataset content is the same version; new content the next', async () => {
    const s = new SqliteMetadataStore(':memory:');
    const a = await s.registerDataset({ name: 'd', contentHash: 'h1', source: 'x', rows: 1, columns: 1 });
    const b = await s.registerDataset({ name: 'd', contentHash: 'h1', source: 'y', rows: 1, columns: 1 });
    const c = await s.registerDataset({ name: 'd', contentHash: 'h2', source: 'x', rows: 1, columns: 1 });
    assert.deepEqual([a.id === b.id, a.version, c.version], [true, 1, 2]);
  });

  it('appends model versions, moves aliases, audits', async () => {
    const path = join(tempHome(), 'c.db');
    const s = new SqliteMetadataStore(path);
    const v1 = await s.createModelVersion({ name: 'm', runId: null, source: 'models/m/1', digest: 'd1', task: 'binary', metrics: { auc: 0.8 } });
    const v2 = await s.createModelVersion({ name: 'm', runId: null, source: 'models/m/2', digest: 'd2', task: 'binary', metrics: {} });
    assert.deepEqual([v1.version, v2.version], [1, 2]);
    await s.setAlias('m', 'champion', 1, 'me');
    await s.setAlias('m', 'champion', 2, 'me');
    assert.equal((await s.resolveAlias('m', 'champion')).version, 2);
    assert.deepEqual((await s.listModels())[0].aliases, { champion: 2 });
    await assert.rejects(s.setAlias('m', 'champion', 9, 'me'), /model "m" has no version 9/);
    await assert.rejects(s.setAlias('m', '../x', 1, 'me'), /alias "..\/x" must start with a letter/);
    await assert.rejects(s.latestModelVersion('ghost'), /model "ghost" not found/);
    assert.equal(s.integrityCheck(), 'ok');
    await s.close();
    // reopening runs no migration twice and keeps the data
    const again = new SqliteMetadataStore(path);
    assert.equal((await again.latestModelVersion('m')).version, 2);
    await again.close();
  });
});
