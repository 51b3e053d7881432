import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempHome } from '../../test/helpers.ts';
import { openMetadataStore } from '../store/open.ts';
import { connectionSink } from './prediction-log.ts';

describe('prediction log connection', () => {
  it('waits for another process to commit without blocking this thread, then writes the batch', { timeout: 30_000 }, async () => {
    const path = join(tempHome(), 'log.db');
    const store = await openMetadataStore(`sqlite:${path}`);
    const sink = connectionSink(`sqlite:${path}`);
    const record = { id: '0193000000000000aa', model: 'churn', version: '1', at: 5, latencyMs: 1, rows: 1, columns: '["a"]', features: '[[1]]', outputs: '{"predictions":[0.5]}', shadow: false };
    await sink.write([{ ...record, id: '0193000000000000a0' }]);
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    let written = false;
    const write = sink.write([record]).then(() => (written = true));
    // the event loop keeps turning while the batch waits for the lock
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.equal(written, false);
    assert.ok(ticks >= 10, `${ticks} timer ticks while the batch waited`);
    other.exec('COMMIT');
    await write;
    clearInterval(timer);
    assert.deepEqual((await store.predictions.get(record.id)).features, { columns: ['a'], rows: [[1]] });
    other.close();
    await sink.close();
    await store.close();
  });
});
