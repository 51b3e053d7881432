// Checkpoints a SQLite database in WAL mode every `everyMs` from a thread of its own (see SqliteDriver.checkpointAside), so
// the copy of the WAL into the database and its fsync never run on the thread that writes.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const { path, everyMs } = (workerData as { payload: { path: string; everyMs: number } }).payload;
const db = new Database(path);
// RESTART waits (20 ms at most) for the writer of the moment to commit, holds new writers off while it copies, then lets
// the next writer start the WAL over from its beginning. PASSIVE never caught up with writers that commit every few
// milliseconds: the WAL was never complete when the next write began, so it grew without end (160 MB within a minute of
// serving) and every write went to fresh file space, with a larger WAL index to search.
db.pragma('busy_timeout = 20');
// a WAL that did grow (a burst, a reader holding it) is cut back to this size when it starts over
db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(RESTART)');
  } catch {
    // busy: the next round
  }
};
const timer = setInterval(checkpoint, everyMs);
parentPort!.once('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort!.postMessage('stopped');
});
