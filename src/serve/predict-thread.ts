// Scores large batches for the serving thread (see served-model.ts), so a 100 000-row request does not hold up health checks
// and small requests. Each bundle is read once per thread, by path (bundles are immutable once registered).
import { isMainThread } from 'node:worker_threads';
import type { Table } from '../core/table.ts';
import { answerCalls } from '../threads/answer.ts';
import { predictTable, type Predictions, type TabularModel } from '../learn/index.ts';
import { readBundleDir } from '../registry/index.ts';

const models = new Map<string, TabularModel>();

if (!isMainThread)
  answerCalls<{ path: string; table: Table }, Predictions>(
    ({ path, table }) => {
      let model = models.get(path);
      if (!model) {
        // only Capstan models come here: an ONNX model runs in onnxruntime's own threads
        const read = readBundleDir(path).model;
        if (!read) throw new Error('the scoring thread serves Capstan models only');
        models.set(path, (model = read));
      }
      return predictTable(model, table);
    },
    (p) => [p.proba?.buffer, p.classIndex?.buffer, p.values?.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer),
  );
