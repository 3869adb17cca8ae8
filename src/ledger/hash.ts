// The journal's hash chain: each transfer row's hash covers the previous hash and the row's
// fields, so a row changed, removed or inserted behind the ledger's back breaks the chain.
// The PostgreSQL batch function builds the same string (see migrations), byte for byte.
import { hash } from 'node:crypto';
import type { Transfer } from './types.js';

export const GENESIS_HASH = '0'.repeat(64);

/** Every field of a journal row but its mutable pending status, the history links and the hash itself. */
export type HashedFields = Omit<Transfer, 'pendingStatus' | 'expiresAtMs' | 'hash' | 'debitPrevSeq' | 'creditPrevSeq'>;

/** Length-prefixed (in UTF-8 bytes) so that no choice of text can shift a field boundary. */
const field = (text: string | null): string => (text === null ? '-1:' : `${Buffer.byteLength(text, 'utf8')}:${text}`);

export function canonicalTransfer(row: HashedFields): string {
  return (
    `v1|${row.seq}|${field(row.id)}|${row.debitAccountId}|${row.creditAccountId}|${row.amount}|` +
    `${field(row.pendingId)}|${row.ledgerId}|${row.code}|${row.flags}|${row.timeoutSeconds}|` +
    `${field(row.userData)}|${row.createdAtMs}`
  );
}

export function chainHash(previousHash: string, row: HashedFields): string {
  // crypto.hash: the one-shot form, about twice as fast as createHash() for short inputs.
  return hash('sha256', `${previousHash}|${canonicalTransfer(row)}`, 'hex');
}
