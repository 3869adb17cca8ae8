// The SQLite write thread: it stores the write sets the planner sends, one transaction and
// one fsync each, on a connection of its own, while the main thread plans the next batch.
// The fsync comes after the commit, not inside it: the transaction commits with
// synchronous=NORMAL (its frames written to the WAL, the write lock released at once), then this
// thread fsyncs the WAL file and only then answers. The batch is exactly as durable as with
// synchronous=FULL when its callers hear "ok", but other connections (the main thread's orders,
// sessions, outbox) wait for the commit's writes, not for the disk.
// After a failed batch it refuses every batch of the same epoch: those were planned on top of
// the one that failed, and the planner starts again from what is on disk.
import { closeSync, fdatasyncSync, fstatSync, openSync, statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteConnection } from '../store/store.js';
import { createStatementBook, type UnitsMessage, type UnitsReply } from '../store/unit-channel.js';
import { runUnitsInTransaction } from '../store/write-units.js';
import { executeWrites, prepareWrites, unpackWriteSet, type PackedWriteSet, type WriteSet } from './sqlite-writes.js';

export interface WriteRequest {
  kind: 'transfers';
  batch: number;
  epoch: number;
  set: PackedWriteSet;
}
export type WriteReply =
  { kind: 'transfers'; batch: number; ok: true } | { kind: 'transfers'; batch: number; ok: false; error: string };

const path = (workerData as { path: string }).path;
const db = openSqliteConnection(path, 'NORMAL');
// The checkpoint thread keeps the log short; this connection checkpoints only as a backstop,
// if the log ever grows past ~400 MiB.
db.pragma('wal_autocheckpoint = 100000');
const statements = prepareWrites(db);
const write = db.transaction((set: WriteSet) => executeWrites(statements, set));
let failedEpoch = -1;

parentPort!.on('message', (message: WriteRequest | UnitsMessage) => {
  if (message.kind === 'units') return parentPort!.postMessage(commitUnits(message));
  const { batch, epoch, set } = message;
  let reply: WriteReply;
  if (epoch <= failedEpoch) {
    reply = { kind: 'transfers', batch, ok: false, error: 'an earlier batch of this epoch failed to commit' };
  } else {
    try {
      write.immediate(unpackWriteSet(set));
      syncLog();
      reply = { kind: 'transfers', batch, ok: true };
    } catch (error) {
      failedEpoch = epoch;
      reply = { kind: 'transfers', batch, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
  parentPort!.postMessage(reply);
});

/**
 * The application's units (src/store/write-units.ts) of many requests, in one transaction. No
 * fsync of their own: like the main thread's commits (synchronous=NORMAL), they become durable
 * with the next ledger batch's, which follows them in the same log.
 */
const unitSteps = createStatementBook();

function commitUnits(message: UnitsMessage): UnitsReply {
  const { batch } = message;
  try {
    return { kind: 'units', batch, ok: true, replies: runUnitsInTransaction(db, unitSteps(message)) };
  } catch (error) {
    return { kind: 'units', batch, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** The WAL file, kept open to fsync it; reopened if SQLite ever replaced the file. */
let log: { fd: number; inode: number } | null = null;

function syncLog(): void {
  const walPath = `${path}-wal`;
  const inode = statSync(walPath).ino;
  if (log !== null && log.inode !== inode) {
    closeSync(log.fd);
    log = null;
  }
  if (log === null) {
    const fd = openSync(walPath, 'r');
    log = { fd, inode: fstatSync(fd).ino };
  }
  fdatasyncSync(log.fd);
}
