// Scores large batches for the serving thread (see served-model.ts), so a 100 000-row request does not hold up health checks
// and small requests. A bundle's bytes come with the first call for its digest and are decoded once (bundles are immutable
// once registered, wherever their artifact store is); a call for a digest this thread does not know asks for them.
import { isMainThread } from 'node:worker_threads';
import type { Table } from '../core/table.ts';
import { answerCalls } from '../threads/answer.ts';
import { predictTable, type Predictions, type TabularModel } from '../learn/index.ts';
import { decodeBundle } from '../registry/index.ts';

/** What a call says when this thread has not been sent the bundle (it restarted, say): the caller sends it again. */
export const UNKNOWN_BUNDLE = 'unknown bundle';

const models = new Map<string, TabularModel>();

if (!isMainThread)
  answerCalls<{ digest: string; bundle?: { manifest: string; binary: Uint8Array }; table: Table }, Predictions>(
    ({ digest, bundle, table }) => {
      let model = models.get(digest);
      if (!model) {
        if (!bundle) throw new Error(UNKNOWN_BUNDLE);
        // only Capstan models come here: an ONNX model runs in onnxruntime's own threads
        const read = decodeBundle(bundle.manifest, Buffer.from(bundle.binary.buffer, bundle.binary.byteOffset, bundle.binary.byteLength)).model;
        if (!read) throw new Error('the scoring thread serves Capstan models only');
        models.set(digest, (model = read));
      }
      return predictTable(model, table);
    },
    (p) => [p.proba?.buffer, p.classIndex?.buffer, p.values?.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer),
  );
