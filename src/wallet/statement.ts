// A user's statement: every movement of the wallet's money, newest first, read from the ledger's
// own history of the wallet account (so the lines and the balance are the ledger's), named by
// kind and direction, pointing at what caused it, paged and filterable.
import type { IdentityService, User } from '../identity/service.js';
import { displayName } from '../identity/service.js';
import type { LedgerService } from '../ledger/service.js';
import type { Transfer } from '../ledger/types.js';
import type { Store } from '../store/store.js';
import { TransferCodes } from '../network/chart.js';
import type { Balance } from './service.js';
import type { OperationRunner } from './operations.js';

export const STATEMENT_KINDS = [
  'top_up',
  'withdrawal',
  'withdrawal_fee',
  'transfer_in',
  'transfer_out',
  'red_packet_sent',
  'red_packet_received',
  'red_packet_refund',
  'payment',
  'refund',
  'merchant_transfer',
  'other',
] as const;
export type StatementKind = (typeof STATEMENT_KINDS)[number];

export interface StatementLine {
  seq: bigint;
  atMs: bigint;
  kind: StatementKind;
  direction: 'in' | 'out';
  amountFen: bigint;
  /** The other person, for transfers: their masked name. */
  counterparty: { userId: string; name: string } | null;
  /** The merchant paid, refunding, or paying out (payments, refunds, merchant transfers). */
  merchant: { id: string; name: string } | null;
  /** What caused it: an operation (`op_…`), a red packet (`rp_…`), an order (`ord_…`) or a merchant's transfer. */
  cause: { type: 'operation' | 'red_packet' | 'order' | 'merchant_transfer'; id: string } | null;
  note: string | null;
  transferId: string;
}

export interface StatementFilter {
  beforeSeq?: bigint;
  limit: number;
  kinds?: readonly StatementKind[];
  direction?: 'in' | 'out';
  fromMs?: bigint;
  toMs?: bigint;
}

export interface StatementPage {
  lines: StatementLine[];
  /** Pass as `before` for the next page; null at the end. */
  nextBefore: bigint | null;
  balance: Balance;
}

export const STATEMENT_PAGE_MAX = 100;
/** A filter that matches little must not read the whole history in one request. */
const SCAN_ROWS_MAX = 2_000;
const SCAN_PAGE = 200;

export async function readStatement(
  deps: {
    store: Store;
    ledger: LedgerService;
    identity: IdentityService;
    operations: OperationRunner;
    balance: (user: User) => Promise<Balance>;
  },
  user: User,
  filter: StatementFilter,
): Promise<StatementPage> {
  // The balance first: lines committed after it are newer than any line shown, never missing.
  const balance = await deps.balance(user);
  const picked: Transfer[] = [];
  let cursor = filter.beforeSeq;
  let scanned = 0;
  let nextBefore: bigint | null = null;
  scan: while (scanned < SCAN_ROWS_MAX) {
    const page = await deps.ledger.history(user.walletAccountId, { beforeSeq: cursor, limit: SCAN_PAGE });
    for (const transfer of page.transfers) {
      scanned += 1;
      nextBefore = transfer.seq;
      if (filter.fromMs !== undefined && transfer.createdAtMs < filter.fromMs) {
        nextBefore = null;
        break scan;
      }
      if (matches(transfer, user, filter)) picked.push(transfer);
      if (picked.length === filter.limit || scanned === SCAN_ROWS_MAX) break scan;
    }
    if (page.nextBeforeSeq === null) {
      nextBefore = null;
      break;
    }
    cursor = page.nextBeforeSeq;
  }
  return { lines: await describe(deps, user, picked), nextBefore, balance };
}

function matches(transfer: Transfer, user: User, filter: StatementFilter): boolean {
  if (filter.toMs !== undefined && transfer.createdAtMs >= filter.toMs) return false;
  const direction = directionOf(transfer, user);
  if (filter.direction !== undefined && direction !== filter.direction) return false;
  return filter.kinds === undefined || filter.kinds.includes(kindOf(transfer.code, direction));
}

const directionOf = (transfer: Transfer, user: User): 'in' | 'out' =>
  transfer.creditAccountId === user.walletAccountId ? 'in' : 'out';

function kindOf(code: number, direction: 'in' | 'out'): StatementKind {
  switch (code) {
    case TransferCodes.topUp:
      return 'top_up';
    case TransferCodes.withdrawal:
      return 'withdrawal';
    case TransferCodes.withdrawalFee:
      return 'withdrawal_fee';
    case TransferCodes.walletTransfer:
      return direction === 'in' ? 'transfer_in' : 'transfer_out';
    case TransferCodes.redPacketSend:
      return 'red_packet_sent';
    case TransferCodes.redPacketClaim:
      return 'red_packet_received';
    case TransferCodes.redPacketRefund:
      return 'red_packet_refund';
    case TransferCodes.payment:
      return 'payment';
    case TransferCodes.refund:
      return 'refund';
    case TransferCodes.merchantTransfer:
      return 'merchant_transfer';
    default:
      return 'other';
  }
}

function causeOf(transfer: Transfer): StatementLine['cause'] {
  const [type, id] = (transfer.userData ?? '').split(':');
  if (type === 'op' && id) return { type: 'operation', id };
  if (type === 'rp' && id) return { type: 'red_packet', id };
  if (type === 'ord' && id) return { type: 'order', id };
  if (type === 'mtr' && id) return { type: 'merchant_transfer', id };
  return null;
}

async function describe(
  deps: { store: Store; identity: IdentityService; operations: OperationRunner },
  user: User,
  transfers: Transfer[],
): Promise<StatementLine[]> {
  const causes = transfers.map(causeOf);
  const idsOf = (type: NonNullable<StatementLine['cause']>['type']) => [
    ...new Set(causes.flatMap((cause) => (cause?.type === type ? [cause.id] : []))),
  ];
  const operations = await deps.operations.byIds(idsOf('operation'));
  const packetIds = idsOf('red_packet');
  const packets = new Map(
    packetIds.length === 0
      ? []
      : (
          await deps.store.db
            .selectFrom('red_packets')
            .select(['id', 'sender_user_id', 'note'])
            .where('id', 'in', packetIds)
            .execute()
        ).map((row) => [row.id, row]),
  );
  const merchants = await merchantsBehind(deps.store, idsOf('order'), idsOf('merchant_transfer'));
  const people = new Map<string, { userId: string; name: string } | null>();
  const person = async (find: () => Promise<User | null>, cacheKey: string) => {
    if (!people.has(cacheKey)) {
      const found = await find();
      people.set(cacheKey, found ? { userId: found.id, name: displayName(found) } : null);
    }
    return people.get(cacheKey) ?? null;
  };
  const lines: StatementLine[] = [];
  for (const [index, transfer] of transfers.entries()) {
    const direction = directionOf(transfer, user);
    const cause = causes[index]!;
    const operation = cause?.type === 'operation' ? operations.get(cause.id) : undefined;
    const packet = cause?.type === 'red_packet' ? packets.get(cause.id) : undefined;
    let counterparty: StatementLine['counterparty'] = null;
    if (transfer.code === TransferCodes.walletTransfer) {
      const other = direction === 'in' ? transfer.debitAccountId : transfer.creditAccountId;
      counterparty = await person(() => deps.identity.findByWalletAccount(other), `account:${other}`);
    } else if (transfer.code === TransferCodes.redPacketClaim && packet) {
      // Whose red packet it was: the escrow is the provider's, the sender is in the packet.
      counterparty = await person(() => deps.identity.getUser(packet.sender_user_id), `user:${packet.sender_user_id}`);
    }
    lines.push({
      seq: transfer.seq,
      atMs: transfer.createdAtMs,
      kind: kindOf(transfer.code, direction),
      direction,
      amountFen: transfer.amount,
      counterparty,
      merchant: cause ? (merchants.get(`${cause.type}:${cause.id}`) ?? null) : null,
      cause,
      note: operation?.note ?? packet?.note ?? null,
      transferId: transfer.id,
    });
  }
  return lines;
}

/** The merchant behind each order and merchant transfer, keyed `order:<id>` / `merchant_transfer:<id>`. */
async function merchantsBehind(
  store: Store,
  orderIds: readonly string[],
  transferIds: readonly string[],
): Promise<Map<string, { id: string; name: string }>> {
  const found = new Map<string, { id: string; name: string }>();
  if (orderIds.length > 0) {
    const rows = await store.db
      .selectFrom('orders')
      .innerJoin('merchants', 'merchants.id', 'orders.merchant_id')
      .select(['orders.id as ref', 'merchants.id', 'merchants.name'])
      .where('orders.id', 'in', orderIds)
      .execute();
    for (const row of rows) found.set(`order:${row.ref}`, { id: row.id, name: row.name });
  }
  if (transferIds.length > 0) {
    const rows = await store.db
      .selectFrom('merchant_transfers')
      .innerJoin('merchants', 'merchants.id', 'merchant_transfers.merchant_id')
      .select(['merchant_transfers.id as ref', 'merchants.id', 'merchants.name'])
      .where('merchant_transfers.id', 'in', transferIds)
      .execute();
    for (const row of rows) found.set(`merchant_transfer:${row.ref}`, { id: row.id, name: row.name });
  }
  return found;
}
