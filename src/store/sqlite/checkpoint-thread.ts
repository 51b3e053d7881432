// Checkpoints a SQLite database in WAL mode every `everyMs` from a thread of its own (see SqliteDriver.checkpointAside), so
// the copy of the WAL into the database and its fsync never run on the thread that writes.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const { path, everyMs } = (workerData as { payload: { path: string; everyMs: number } }).payload;
const db = new Database(path);
db.pragma('busy_timeout = 0');
const checkpoint = () => {
  try {
    // PASSIVE: copies what it can without waiting for readers or writers; busy (another checkpoint) is tried next time
    db.pragma('wal_checkpoint(PASSIVE)');
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
