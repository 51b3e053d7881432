import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { numericColumn } from '../core/table.ts';
import type { BundleManifest } from '../registry/index.ts';
import { windowReport } from './report.ts';
import { emptyWindow, WindowCounter, type WindowStats } from './window.ts';

const manifest = { task: 'regression', target: { name: 'y', task: 'regression' }, signature: { inputs: [{ name: 'x', kind: 'numeric', integer: false, min: 0, max: 10, missing: 0 }], outputs: [] }, baseline: [{ name: 'x', kind: 'numeric', edges: [2, 4, 6, 8], proportions: [0.2, 0.2, 0.2, 0.2, 0.2, 0], rows: 5000 }], metrics: {} } as unknown as BundleManifest;
const counter = new WindowCounter(manifest.baseline, manifest.signature.inputs, undefined);
function windowOf(values: number[]): WindowStats {
  const w = counter.window();
  counter.addRows(w, { rows: values.length, columns: [numericColumn('x', Float64Array.from(values))] }, null);
  return w.stats();
}

test('drift against the training baseline, or against a reference window of traffic, with quality counted', () => {
  const high = windowOf(Array.from({ length: 2000 }, (_, i) => 6 + (i % 40) / 10));
  const r = windowReport(manifest, high, [], { start: 0, end: 1 });
  assert.equal(r.drift.features[0].test, 'psi');
  assert.equal(r.drift.datasetDrift, true);
  // the same traffic as reference: nothing moved
  assert.equal(windowReport(manifest, high, [], { start: 0, end: 1 }, {}, high).drift.datasetDrift, false);
  const out = windowOf([5, 11, NaN, -1]);
  const q = windowReport(manifest, out, [], { start: 0, end: 1 }).quality[0];
  assert.deepEqual([q.missing, q.outOfRange], [0.25, 0.5]);
  // an empty window: a status, not an exception
  assert.equal(windowReport(manifest, emptyWindow(), [], { start: 0, end: 1 }).drift.features[0].status, 'empty');
});
