import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempHome } from '../../test/helpers.ts';
import { openMetadataStore } from '../store/open.ts';
import { PredictionBatch } from '../store/sql/prediction-batch.ts';
import { openPredictionWriter, type PredictionWriter } from '../store/index.ts';
import { PredictionLog, rowsJson } from './prediction-log.ts';
import { encodeStrings, numericColumn, cellValue, type Table } from '../core/table.ts';

describe('prediction log connection', () => {
  it('waits for another process to commit without blocking this thread, then writes the batch', { timeout: 30_000 }, async () => {
    const path = join(tempHome(), 'log.db');
    const store = await openMetadataStore(`sqlite:${path}`);
    const sink = openPredictionWriter(`sqlite:${path}`);
    const record = { id: '0193000000000000aa', version: '1', at: 5, latencyMs: 1, rows: 1, columns: '["a"]', features: '[[1]]', outputs: '{"predictions":[0.5]}', shadow: false };
    const batch = (id: string) => {
      const b = new PredictionBatch('churn');
      b.add({ ...record, id });
      return b;
    };
    await sink.write(batch('0193000000000000a0'));
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    let written = false;
    const write = sink.write(batch(record.id)).then(() => (written = true));
    // the event loop keeps turning while the batch waits for the lock
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    // (a thread blocked by SQLite's busy handler would turn nothing for its 10 s)
    const deadline = Date.now() + 5000;
    while (ticks < 10 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(written, false);
    assert.ok(ticks >= 10, `${ticks} timer ticks in 5 s while the batch waited`);
    other.exec('COMMIT');
    await write;
    clearInterval(timer);
    assert.deepEqual((await store.predictions.get(record.id)).features, { columns: ['a'], rows: [[1]] });
    other.close();
    await sink.close();
    await store.close();
  });
});

describe('prediction log', () => {
  const table = (n: number): Table => ({
    rows: n,
    columns: [numericColumn('x', Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? NaN : i / 7 - 1e21 * (i % 2)))), encodeStrings('c', Array.from({ length: n }, (_, i) => (i % 4 === 0 ? null : ['a"b', 'é\\n', '\u2028', 'x'][i % 4])))],
  });
  const pending = (i: number, model = 'churn') => ({ id: `0193${String(i).padStart(14, '0')}`, model, version: '1', at: 1000 + i, latencyMs: 0.5, table: table(3), outputs: `{"predictions":[${i}]}`, shadow: i % 2 === 1 });
  /** a sink that keeps what it is given (as read at write time: a written batch's buffer is reused) and can be held */
  const memorySink = () => {
    const written: { model: string; count: number; minId: string; maxId: string; firstAt: number; lastAt: number; records: ReturnType<PredictionBatch['records']> }[] = [];
    let hold: Promise<void> = Promise.resolve();
    let release = () => {};
    return {
      written,
      holdWrites: () => (hold = new Promise((r) => (release = r))),
      release: () => release(),
      sink: {
        write: async (b: PredictionBatch) => {
          await hold;
          written.push({ model: b.model, count: b.count, minId: b.minId, maxId: b.maxId, firstAt: b.firstAt, lastAt: b.lastAt, records: b.records() });
        },
        prune: async () => 0,
        addWindows: async () => undefined,
        compact: async () => 0,
        close: async () => undefined,
      } satisfies PredictionWriter,
    };
  };

  it('writes rows as JSON.stringify would, missing values as null', () => {
    const t = table(40);
    const rows = Array.from({ length: t.rows }, (_, r) => t.columns.map((c) => cellValue(c, r)));
    assert.equal(rowsJson(t), JSON.stringify(rows));
    assert.equal(rowsJson({ rows: 0, columns: [] }), '[]');
    // categories needing escapes, through a list whose quoted text is remembered: the same text every time
    const odd = encodeStrings('odd', ['a"b', 'é\n', null, 'back\\slash', 'a"b', '\u0001']);
    const expected = JSON.stringify(Array.from({ length: 6 }, (_, r) => [cellValue(odd, r)]));
    for (let i = 0; i < 2; i++) assert.equal(rowsJson({ rows: 6, columns: [odd] }), expected);
  });

  it('batches records per model; what is written reads back as pushed', async () => {
    const m = memorySink();
    const log = new PredictionLog(m.sink, { batch: 4, intervalMs: 60_000 });
    for (let i = 0; i < 10; i++) log.push(pending(i, i < 7 ? 'churn' : 'other'));
    await log.close();
    assert.equal(log.logged, 10);
    assert.equal(log.queued, 0);
    const records = m.written.flatMap((b) => b.records);
    assert.deepEqual(records.map((r) => r.id).sort(), Array.from({ length: 10 }, (_, i) => pending(i).id));
    const r5 = records.find((r) => r.id === pending(5).id)!;
    const t = table(3);
    assert.deepEqual(r5, { id: pending(5).id, model: 'churn', version: '1', at: 1005, latencyMs: 0.5, rows: 3, features: { columns: ['x', 'c'], rows: Array.from({ length: 3 }, (_, r) => t.columns.map((c) => cellValue(c, r))) }, outputs: { predictions: [5] }, shadow: true });
    assert.ok(m.written.every((b) => b.count <= 4 && b.records.length === b.count && b.records.every((r) => r.model === b.model)));
    const first = m.written[0];
    assert.deepEqual([first.minId, first.maxId, first.firstAt, first.lastAt], [pending(0).id, pending(3).id, 1000, 1003]);
  });

  it('drops and counts records past its capacity while the store is slow; answers are never held up', async () => {
    const m = memorySink();
    m.holdWrites();
    const log = new PredictionLog(m.sink, { batch: 5, capacity: 20, intervalMs: 60_000 });
    for (let i = 0; i < 50; i++) log.push(pending(i));
    assert.equal(log.dropped, 30);
    assert.equal(log.queued, 20);
    m.release();
    await log.close();
    assert.equal(log.logged, 20);
    assert.equal(log.queued, 0);
    assert.deepEqual(m.written.flatMap((b) => b.records.map((r) => r.id)), Array.from({ length: 20 }, (_, i) => pending(i).id));
  });

  it('counts a batch the store refuses as failed and goes on', async () => {
    const errors: string[] = [];
    let calls = 0;
    const log = new PredictionLog({ write: async () => { if (calls++ === 0) throw new Error('disk full'); }, prune: async () => 0, addWindows: async () => undefined, compact: async () => 0, close: async () => undefined }, { batch: 3, intervalMs: 60_000, onError: (e) => errors.push(e) });
    for (let i = 0; i < 6; i++) log.push(pending(i));
    await log.close();
    assert.deepEqual([log.failed, log.logged, log.queued], [3, 3, 0]);
    assert.match(errors[0], /3 records not written: disk full/);
  });
});
