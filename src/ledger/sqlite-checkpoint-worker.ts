// The SQLite checkpoint thread: copies the write-ahead log back into the database file in the
// background (PASSIVE: it never blocks the writer), so that the write thread's commits do not
// stop now and then for a checkpoint of their own.
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteConnection } from '../store/store.js';

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = openSqliteConnection(path);
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or interrupted: the next tick tries again, and the writer's own checkpoint is the backstop.
  }
}, intervalMs);
parentPort!.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
