// The SQLite checkpoint thread: copies the write-ahead log back into the database file in the
// background, so that the write thread's commits do not stop now and then for a checkpoint of
// their own. PASSIVE first: it never holds the writer back. But under a steady stream of commits
// a passive checkpoint never catches up with the end of the log, so SQLite never starts the log
// over and it grows until the backstop (bench pay: 6 → 412 MiB in ten seconds). Every new frame
// then lands past the end of the file, where the kernel allocates and zeroes a block for it (a
// sixth of a core in memset), and every read searches a longer log index. So once the log is
// past RESTART_AFTER_FRAMES, a RESTART checkpoint follows: it holds the next commit back while it
// copies the rest (a few milliseconds) and leaves the log to be written again from its start.
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteConnection } from '../store/store.js';

/** 16 MiB of 4 KiB pages. Below it the writer is never held back (bench ledger's half-load tail). */
const RESTART_AFTER_FRAMES = 4_096;

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = openSqliteConnection(path);
const timer = setInterval(() => {
  try {
    const [passive] = db.pragma('wal_checkpoint(PASSIVE)') as { log: bigint }[];
    if (passive && passive.log > RESTART_AFTER_FRAMES) db.pragma('wal_checkpoint(RESTART)');
  } catch {
    // Busy or interrupted: the next tick tries again, and the writer's own checkpoint is the backstop.
  }
}, intervalMs);
parentPort!.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
