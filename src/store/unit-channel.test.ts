// The unit channel's wire format, without a thread: what the main thread posts is read back by
// the write thread's statement book step for step (SQL, parameters of every kind, guards), the
// replies come back to the right callers, and the statement numbering starts over cleanly when
// it runs out. Messages go through structuredClone, as postMessage sends them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStatementBook, createUnitChannel, type UnitsMessage } from './unit-channel.js';
import type { UnitReply, UnitStep } from './write-units.js';

function channelWithBook() {
  const sent: UnitsMessage[] = [];
  const channel = createUnitChannel((message) => sent.push(structuredClone(message)));
  const book = createStatementBook();
  return { sent, channel, book };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

test('steps cross with their SQL, parameters and guards; replies reach their callers', async () => {
  const { sent, channel, book } = channelWithBook();
  const first: UnitStep[] = [
    { sql: 'INSERT INTO t VALUES (?, ?, ?)', parameters: [1n, 'a', null], mustChangeRow: false },
    { sql: 'UPDATE t SET x = ? WHERE id = ?', parameters: [Buffer.from([1, 2]), 7], mustChangeRow: true },
  ];
  const second: UnitStep[] = [{ sql: 'DELETE FROM t', parameters: [], mustChangeRow: true }];
  const third: UnitStep[] = [{ sql: 'INSERT INTO t VALUES (?, ?, ?)', parameters: [2n, '', 0], mustChangeRow: false }];
  const answers = [first, second, third].map((steps) => channel.run(steps));
  await nextTurn();

  assert.equal(sent.length, 1, 'units of one turn go in one message');
  const message = sent[0]!;
  assert.equal(message.statements.length, 3, 'each SQL text crosses once');
  const read = book(message);
  assert.deepEqual(
    read.map((unit) => unit.map((step) => ({ ...step, parameters: [...step.parameters] }))),
    [first, second, third].map((unit) =>
      unit.map((step) => ({
        ...step,
        parameters: step.parameters.map((value) => (Buffer.isBuffer(value) ? new Uint8Array(value) : value)),
      })),
    ),
  );

  const replies: UnitReply[] = [
    {
      ok: true,
      outcomes: [
        { changes: 1, rows: [] },
        { changes: 1, rows: [{ id: 7, x: 'y' }] },
      ],
    },
    { ok: false, nothingChanged: true },
    { ok: false, nothingChanged: false, message: 'UNIQUE constraint failed: t.id', code: 'SQLITE_CONSTRAINT' },
  ];
  channel.settle(structuredClone({ kind: 'units', batch: message.batch, ok: true, replies }));
  assert.deepEqual(await Promise.all(answers), replies);
  assert.equal(channel.pending(), 0);
  await channel.drained();
});

test('a later message refers to statements by number only; a failed batch rejects each of its units', async () => {
  const { sent, channel, book } = channelWithBook();
  const step: UnitStep = { sql: 'UPDATE t SET x = 1', parameters: [], mustChangeRow: false };
  const one = channel.run([step]);
  await nextTurn();
  const two = channel.run([step]);
  const three = channel.run([step]);
  await nextTurn();
  assert.equal(sent.length, 2, 'the second batch did not wait for the first to be answered');
  assert.deepEqual(sent[1]!.statements, []);
  book(sent[0]!);
  assert.deepEqual(book(sent[1]!), [[step], [step]]);
  assert.equal(channel.pending(), 3);

  channel.settle({ kind: 'units', batch: sent[1]!.batch, ok: false, error: 'disk I/O error' });
  await assert.rejects(two, /SQLite commit failed: disk I\/O error/);
  await assert.rejects(three, /disk I\/O error/);
  channel.settle({ kind: 'units', batch: sent[0]!.batch, ok: true, replies: [{ ok: true, outcomes: [] }] });
  assert.deepEqual(await one, { ok: true, outcomes: [] });
});

test('when the numbering runs out, the message says so and numbers its statements afresh', async () => {
  const { sent, channel, book } = channelWithBook();
  // 5,000 distinct statements fill the numbering; the 5,001st starts it again.
  const steps = Array.from({ length: 5_001 }, (_, index) => ({
    sql: `SELECT ${index}`,
    parameters: [index],
    mustChangeRow: false,
  }));
  const units = steps.map((unitStep) => channel.run([unitStep]));
  await nextTurn();
  assert.equal(sent.length, 3, 'at most 2,000 units a message');
  const forgetting = sent.filter((message) => message.forgetStatements);
  assert.equal(forgetting.length, 1);
  const read = sent.flatMap((message) => book(message));
  assert.deepEqual(
    read.map((unit) => unit[0]!.sql),
    steps.map((step) => step.sql),
  );
  for (const message of sent) {
    channel.settle({
      kind: 'units',
      batch: message.batch,
      ok: true,
      replies: book(message).map((): UnitReply => ({ ok: true, outcomes: [{ changes: 0, rows: [] }] })),
    });
  }
  assert.equal((await Promise.all(units)).length, 5_001);
});
