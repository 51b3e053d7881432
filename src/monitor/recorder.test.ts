import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { MonitorRecorder, type MonitorSink } from './recorder.ts';
import { numericColumn } from '../core/table.ts';
import type { BundleManifest } from '../registry/index.ts';

const manifest = { task: 'regression', target: { name: 'y', task: 'regression' }, signature: { inputs: [{ name: 'x', kind: 'numeric', integer: false, min: 0, max: 10, missing: 0 }], outputs: [] }, baseline: [{ name: 'x', kind: 'numeric', edges: [5], proportions: [0.5, 0.5, 0], rows: 10 }], metrics: {} } as unknown as BundleManifest;

test('a flush with nothing to write leaves the recorder free: windows counted later are still written (regression)', async () => {
  const written: number[] = [];
  const sink: MonitorSink = { addWindows: async (rows) => void written.push(rows.length), compact: async () => 0 };
  const r = new MonitorRecorder(sink, { intervalMs: 60_000 });
  const table = { rows: 1, columns: [numericColumn('x', Float64Array.of(3))] };
  r.answered('m', '1', manifest, table, { rows: 1, values: Float64Array.of(1) }, 1);
  await r.flush();
  // the second flush has nothing to write (and compaction is not due): it used to leave `writing` set forever
  await r.flush();
  r.answered('m', '1', manifest, table, { rows: 1, values: Float64Array.of(1) }, 1);
  await r.flush();
  assert.deepEqual(written, [1, 1]);
  assert.equal(r.totals('m', '1')!.requests, 2);
  await r.close();
});
