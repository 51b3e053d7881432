// The prediction log's writer thread (see prediction-log.ts): opens the metadata store by URI and appends the batches it is
// sent, so database work (SQLite is synchronous) stays off the thread that answers requests.
import { isMainThread } from 'node:worker_threads';
import { answerCalls } from '../learn/parallel/answer.ts';
import { openMetadataStore } from '../store/open.ts';
import type { SqlMetadataStore } from '../store/sql/store.ts';
import type { SerializedPrediction } from '../store/sql/predictions.ts';

let store: Promise<SqlMetadataStore> | null = null;

if (!isMainThread)
  answerCalls<{ uri: string; records: SerializedPrediction[] } | { close: true }, true>(async (call): Promise<true> => {
    if ('close' in call) {
      await (await store)?.close();
      store = null;
      return true;
    }
    store ??= openMetadataStore(call.uri);
    await (await store).predictions.appendSerialized(call.records);
    return true;
  });
