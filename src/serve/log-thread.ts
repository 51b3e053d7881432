// The prediction log's writer thread (see prediction-log.ts): opens the metadata store by URI and appends the batches it is
// sent, so database work (SQLite is synchronous) stays off the thread that answers requests.
import { isMainThread } from 'node:worker_threads';
import { answerCalls } from '../learn/parallel/answer.ts';
import { openMetadataStore } from '../store/open.ts';
import type { SqlMetadataStore } from '../store/sql/store.ts';
import type { SerializedPrediction } from '../store/sql/predictions.ts';

let store: Promise<SqlMetadataStore> | null = null;

/**
 * The log's own connection. On SQLite it commits without waiting for the disk (WAL with synchronous=NORMAL: a crash of the
 * process loses nothing, a power cut may lose the last batches): the log is best-effort by design (it drops and counts when
 * full), and an fsync per batch from every serving process made them queue on the database lock.
 */
async function open(uri: string): Promise<SqlMetadataStore> {
  const s = await openMetadataStore(uri);
  if (s.driver.dialect === 'sqlite') await s.driver.run('PRAGMA synchronous = NORMAL');
  return s;
}

if (!isMainThread)
  answerCalls<{ uri: string; records: SerializedPrediction[] } | { close: true }, true>(async (call): Promise<true> => {
    if ('close' in call) {
      await (await store)?.close();
      store = null;
      return true;
    }
    store ??= open(call.uri);
    await (await store).predictions.appendSerialized(call.records);
    return true;
  });
