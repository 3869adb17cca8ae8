// Red packets (红包): one-to-one and group packets (lucky or equal shares) paid into the provider's
// escrow account, one claim per person, and what nobody claimed back to the sender after the expiry.
import type { Selectable } from 'kysely';
import { displayName, type IdentityService, type User } from '../identity/service.js';
import type { LedgerService } from '../ledger/service.js';
import { TransferFlags, type TransferRequest } from '../ledger/types.js';
import { CNY_LEDGER_ID, TransferCodes } from '../network/chart.js';
import type { ProviderPolicy } from '../network/policy.js';
import { providerAccount, type NetworkService } from '../network/service.js';
import type { Clock } from '../shared/clock.js';
import { formatYuanSymbol } from '../shared/money.js';
import { newToken } from '../shared/passwords.js';
import { ok, problem, type Problem, type Result } from '../shared/result.js';
import type { RedPacketSharesTable, RedPacketsTable } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { Limits } from './limits.js';
import { fingerprint } from './operations.js';
import { cryptoRandom, splitEqual, splitLucky, type RandomSource } from './red-packet-split.js';
import type { WalletError, WalletService } from './service.js';

export type RedPacketError =
  'red_packet_not_found' | 'red_packet_not_for_you' | 'red_packet_empty' | 'red_packet_expired' | 'invalid_red_packet';

export type RedPacketKind = 'single' | 'lucky' | 'equal';

export interface RedPacketShareView {
  index: number;
  amountFen: bigint;
  claimedBy: { userId: string; name: string } | null;
  claimedAtMs: bigint | null;
  luckiest: boolean;
}

export interface RedPacketView {
  id: string;
  kind: RedPacketKind;
  sender: { userId: string; name: string };
  /** A one-to-one packet's recipient; null for group packets. */
  recipient: { userId: string; name: string } | null;
  totalFen: bigint;
  count: number;
  note: string | null;
  status: 'open' | 'finished' | 'expired';
  createdAtMs: bigint;
  expiresAtMs: bigint;
  claimedCount: number;
  claimedFen: bigint;
  refundedFen: bigint | null;
  /** Claimed shares (who got how much); unclaimed shares' amounts stay hidden until the end. */
  shares: RedPacketShareView[];
}

export interface RedPacketClaim {
  packet: RedPacketView;
  amountFen: bigint;
  shareIndex: number;
  /** True when the person had claimed this share before (a retry or a second claim): nothing new was paid. */
  alreadyClaimed: boolean;
}

export interface RedPacketService {
  send(
    sender: User,
    input: {
      idempotencyKey: string;
      kind: RedPacketKind;
      totalFen: bigint;
      count: number;
      to?: { phone?: string; userId?: string };
      note?: string;
    },
  ): Promise<Result<RedPacketView, RedPacketError | WalletError>>;
  claim(user: User, packetId: string): Promise<Result<RedPacketClaim, RedPacketError | WalletError>>;
  show(user: User, packetId: string): Promise<Result<RedPacketView, RedPacketError>>;
  /** Refunds packets past their expiry (and finishes claims cut short by a crash); returns how many. */
  sweep(limit?: number): Promise<number>;
}

export interface RedPacketDeps {
  store: Store;
  ledger: LedgerService;
  network: NetworkService;
  identity: IdentityService;
  wallet: WalletService;
  limits: Limits;
  clock: Clock;
  random?: RandomSource;
}

export const RED_PACKET_NOTE_LENGTH_MAX = 100;
export const RED_PACKET_SWEEP_LIMIT = 1_000;
/** A claim pays its share at once; past this, a claimed but unpaid share was cut short and the sweep pays it. */
const UNPAID_GRACE_MS = 10_000;

/**
 * The lifecycle in `red_packets.status`: `pending` (recorded, money not yet moved) → `open` →
 * `finished` (every share claimed and paid) or `closing` → `expired` (the rest refunded). A packet
 * the ledger refused is `failed`, with the refusal's code and sentence kept for replays.
 */
const Status = {
  pending: 'pending',
  open: 'open',
  finished: 'finished',
  closing: 'closing',
  expired: 'expired',
  failed: 'failed',
} as const;

interface Packet {
  id: string;
  senderUserId: string;
  providerId: string;
  kind: RedPacketKind;
  totalFen: bigint;
  count: number;
  recipientUserId: string | null;
  note: string | null;
  fingerprint: string;
  status: string;
  failure: Problem | null;
  createdAtMs: bigint;
  expiresAtMs: bigint;
  refundedFen: bigint | null;
}

/**
 * A share. `takenAtMs`: when it was claimed, or, with `claimedBy` null, taken back for the
 * sender's refund (it can no longer be claimed). `paid`: its money has left the escrow account.
 */
interface Share {
  index: number;
  amountFen: bigint;
  claimedBy: string | null;
  takenAtMs: bigint | null;
  paid: boolean;
}

type SendInput = Parameters<RedPacketService['send']>[1];
type Refusal = { ok: false; error: Problem<RedPacketError> };

export function createRedPacketService(deps: RedPacketDeps): RedPacketService {
  const { store, ledger, network, identity, wallet, limits, clock } = deps;
  const db = store.db;
  const random = deps.random ?? cryptoRandom;
  const nowMs = () => BigInt(clock.nowMs());

  // ---- Reading ----

  const loadPacket = async (id: string): Promise<Packet | null> => {
    const row = await db.selectFrom('red_packets').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toPacket(row) : null;
  };

  const findByKey = async (senderUserId: string, key: string): Promise<Packet | null> => {
    const row = await db
      .selectFrom('red_packets')
      .selectAll()
      .where('sender_user_id', '=', senderUserId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    return row ? toPacket(row) : null;
  };

  const loadShares = async (packetId: string): Promise<Share[]> => {
    const rows = await db
      .selectFrom('red_packet_shares')
      .selectAll()
      .where('packet_id', '=', packetId)
      .orderBy('share_index')
      .execute();
    return rows.map(toShare);
  };

  const shareOf = async (packetId: string, userId: string): Promise<Share | null> => {
    const row = await db
      .selectFrom('red_packet_shares')
      .selectAll()
      .where('packet_id', '=', packetId)
      .where('claimed_by', '=', userId)
      .executeTakeFirst();
    return row ? toShare(row) : null;
  };

  const userById = async (id: string): Promise<User> => {
    const user = await identity.getUser(id);
    if (!user) throw new Error(`red packet party ${id} is not a user`);
    return user;
  };

  const policyOf = async (providerId: string): Promise<ProviderPolicy> => {
    const provider = await network.getProvider(providerId);
    if (!provider) throw new Error(`unknown provider ${providerId}`);
    return provider.policy;
  };

  const setStatus = async (packetId: string, from: string, to: string) => {
    await db
      .updateTable('red_packets')
      .set({ status: to })
      .where('id', '=', packetId)
      .where('status', '=', from)
      .execute();
  };

  const recordFailure = async (packetId: string, refusal: Problem) => {
    await db
      .updateTable('red_packets')
      .set({ status: Status.failed, failure_code: refusal.code, failure_message: refusal.message })
      .where('id', '=', packetId)
      .where('status', '=', Status.pending)
      .execute();
  };

  // ---- Sending ----

  /** The checks that need no money: amounts and count against the policy, and the recipient. */
  const checkSend = async (
    sender: User,
    input: SendInput,
    policy: ProviderPolicy,
  ): Promise<Result<{ recipient: User | null }, RedPacketError | WalletError>> => {
    const amounts = checkAmounts(input.kind, input.totalFen, input.count, policy.redPackets);
    if (!amounts.ok) return amounts;
    if (input.note !== undefined && Array.from(input.note).length > RED_PACKET_NOTE_LENGTH_MAX) {
      return problem('invalid_red_packet', `the note is at most ${RED_PACKET_NOTE_LENGTH_MAX} characters`);
    }
    const named = input.to?.phone !== undefined || input.to?.userId !== undefined;
    if (input.kind !== 'single') {
      if (!named) return ok({ recipient: null });
      return problem(
        'invalid_red_packet',
        'a group red packet is for anyone of your provider who opens it: it takes no recipient (to_phone, to_user_id)',
      );
    }
    if (!named)
      return problem('invalid_red_packet', 'a one-to-one red packet needs its recipient: to_phone or to_user_id');
    const payee = await wallet.findPayee(sender, input.to ?? {});
    if (payee.ok) return ok({ recipient: payee.value.user });
    if (payee.error.code === 'invalid_payee')
      return problem('invalid_payee', 'you cannot send a red packet to yourself');
    return payee;
  };

  const insertPacket = async (
    sender: User,
    input: SendInput,
    policy: ProviderPolicy,
    recorded: { print: string; recipient: User | null },
  ) => {
    const createdAtMs = nowMs();
    await db
      .insertInto('red_packets')
      .values({
        id: `rp_${newToken(12)}`,
        sender_user_id: sender.id,
        provider_id: sender.providerId,
        kind: input.kind,
        total_fen: input.totalFen,
        share_count: input.count,
        recipient_user_id: recorded.recipient?.id ?? null,
        note: input.note ?? null,
        idempotency_key: input.idempotencyKey,
        fingerprint: recorded.print,
        status: Status.pending,
        created_at_ms: createdAtMs,
        expires_at_ms: createdAtMs + BigInt(policy.redPackets.expirySeconds) * 1000n,
      })
      // Two requests racing with one key: one row; the loser answers from it (below).
      .onConflict((conflict) => conflict.columns(['sender_user_id', 'idempotency_key']).doNothing())
      .execute();
  };

  /** The shares, computed once and stored before any money moves (again after a crash cut that short). */
  const ensureShares = async (packet: Packet): Promise<Share[]> => {
    const existing = await loadShares(packet.id);
    if (existing.length > 0) return assertShares(packet, existing);
    const policy = await policyOf(packet.providerId);
    const amounts = planShares(packet, policy.redPackets.shareMaxFen, random);
    await db
      .insertInto('red_packet_shares')
      .values(amounts.map((amountFen, index) => ({ packet_id: packet.id, share_index: index, amount_fen: amountFen })))
      // One statement: a concurrent retry that computed other shares stores none of its own.
      .onConflict((conflict) => conflict.columns(['packet_id', 'share_index']).doNothing())
      .execute();
    return assertShares(packet, await loadShares(packet.id));
  };

  const insufficientBalance = async (sender: User, neededFen: bigint): Promise<Problem> => {
    const { availableFen } = await wallet.balance(sender);
    return {
      code: 'insufficient_balance',
      message: `your balance ${formatYuanSymbol(availableFen)} does not cover the red packet's ${formatYuanSymbol(neededFen)}`,
      details: { available: availableFen.toString(), needed: neededFen.toString() },
    };
  };

  /**
   * Sender's wallet → the provider's escrow, with the tier allowance used in the same linked
   * chain (its grant first, unlinked). Null when the money moved; otherwise the refusal.
   */
  const payIntoEscrow = async (packet: Packet): Promise<Problem | null> => {
    const sender = await userById(packet.senderUserId);
    const policy = await policyOf(packet.providerId);
    const [escrow, allowance] = await Promise.all([
      providerAccount(network, packet.providerId, 'redPacketEscrow'),
      limits.tierAllowanceUse(sender, policy),
    ]);
    const userData = `rp:${packet.id}`;
    const send: TransferRequest = {
      id: `${packet.id}:send`,
      debitAccountId: sender.walletAccountId,
      creditAccountId: escrow,
      amount: packet.totalFen,
      ledgerId: CNY_LEDGER_ID,
      code: TransferCodes.redPacketSend,
      userData,
      flags: TransferFlags.linked,
    };
    const limitStep = wallet.tierLimitStep(sender, policy, allowance, packet.totalFen, userData);
    const use: TransferRequest = { ...limitStep.transfer, id: `${packet.id}:allowance`, flags: TransferFlags.none };
    const before = allowance.grant ? [allowance.grant] : [];
    const results = await ledger.transfer([...before, send, use]);
    for (const [index, result] of results.slice(0, before.length).entries()) {
      if (result.code !== 'ok') throw new Error(`limit grant ${before[index]!.id} refused: ${result.code}`);
    }
    const [sent, used] = results.slice(before.length) as [(typeof results)[0], (typeof results)[0]];
    if (sent.code === 'ok' && used.code === 'ok') return null;
    // The chain commits whole, so its first transfer in the journal means the packet is paid for
    // (a retry in a new limit period sends an allowance step that differs from the first one).
    if (await ledger.getTransfer(send.id)) return null;
    if (sent.code === 'insufficient_funds') return insufficientBalance(sender, packet.totalFen);
    const explained = (await limitStep.explain?.(used.code)) ?? null;
    if (explained) return explained;
    const failed = [sent, used].find((result) => result.code !== 'ok' && result.code !== 'linked_event_failed') ?? sent;
    return { code: failed.code, message: `the ledger refused the red packet: ${failed.code}` };
  };

  /** Shares, money, status: what a recorded packet still needs. Returns it and this attempt's refusal. */
  const complete = async (packet: Packet): Promise<{ packet: Packet; refusal: Problem | null }> => {
    await ensureShares(packet);
    const refusal = await payIntoEscrow(packet);
    if (refusal === null) await setStatus(packet.id, Status.pending, Status.open);
    else await recordFailure(packet.id, refusal);
    const settled = (await loadPacket(packet.id))!;
    // Another attempt may have settled it first; this refusal (with its particulars) only if it stands.
    const stands = refusal !== null && settled.status === Status.failed && settled.failure?.code === refusal.code;
    return { packet: settled, refusal: stands ? refusal : null };
  };

  /** The answer for a recorded packet: a conflict, its refusal, or the packet (finished first if needed). */
  const answerSend = async (
    found: Packet,
    print: string,
    key: string,
  ): Promise<Result<RedPacketView, RedPacketError | WalletError>> => {
    if (found.fingerprint !== print) {
      return problem(
        'idempotency_conflict',
        `Idempotency-Key "${key}" was used for a different red packet; use a new key`,
      );
    }
    let packet = found;
    let refusal: Problem | null = null;
    if (packet.status === Status.pending) ({ packet, refusal } = await complete(packet));
    if (packet.status === Status.failed) {
      return { ok: false, error: (refusal ?? packet.failure!) as Problem<RedPacketError | WalletError> };
    }
    return ok(await view(packet));
  };

  // ---- Claiming ----

  const openable = (user: User, packet: Packet): Refusal | null => {
    if (packet.kind === 'single' && packet.recipientUserId !== user.id) {
      return problem('red_packet_not_for_you', 'this red packet was sent to someone else; only they can open it');
    }
    if (packet.kind !== 'single' && packet.providerId !== user.providerId) {
      return problem(
        'red_packet_not_for_you',
        'this red packet was sent at another provider; only its users can open it',
      );
    }
    return null;
  };

  /** Why no share can be taken now: expired, or none left. */
  const closedReason = (packet: Packet): Refusal | null => {
    if (packet.status === Status.closing || packet.status === Status.expired || nowMs() >= packet.expiresAtMs) {
      return problem('red_packet_expired', 'this red packet has expired; what was not claimed went back to the sender');
    }
    if (packet.status === Status.finished)
      return problem('red_packet_empty', 'every share of this red packet has been claimed');
    return null;
  };

  /**
   * Gives the user the lowest unclaimed share in one statement, which also requires the packet to
   * be open and unexpired. Under concurrency the share's own row decides, not the packet's status
   * (PostgreSQL may read that from a snapshot older than the sweep): whoever writes the row first
   * wins, and the other statement, re-checking `claimed_by IS NULL AND claimed_at_ms IS NULL` on
   * the row it waited for, changes nothing. The sweep takes shares back by setting claimed_at_ms,
   * so a share is either claimed or refunded, never both.
   */
  const assignNext = async (packetId: string, userId: string): Promise<Share | null> => {
    const at = nowMs();
    const row = await db
      .updateTable('red_packet_shares')
      .set({ claimed_by: userId, claimed_at_ms: at })
      .where('packet_id', '=', packetId)
      .where('claimed_by', 'is', null)
      .where('claimed_at_ms', 'is', null)
      .where('share_index', '=', (eb) =>
        eb
          .selectFrom('red_packet_shares as unclaimed')
          .select((inner) => inner.fn.min('unclaimed.share_index').as('first_index'))
          .where('unclaimed.packet_id', '=', packetId)
          .where('unclaimed.claimed_by', 'is', null)
          .where('unclaimed.claimed_at_ms', 'is', null),
      )
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('red_packets')
            .select('red_packets.id')
            .where('red_packets.id', '=', packetId)
            .where('red_packets.status', '=', Status.open)
            .where('red_packets.expires_at_ms', '>', at),
        ),
      )
      .returningAll()
      .executeTakeFirst();
    return row ? toShare(row) : null;
  };

  const anyUnclaimed = async (packetId: string): Promise<boolean> =>
    (await db
      .selectFrom('red_packet_shares')
      .select('share_index')
      .where('packet_id', '=', packetId)
      .where('claimed_by', 'is', null)
      .where('claimed_at_ms', 'is', null)
      .executeTakeFirst()) !== undefined;

  /**
   * A share for the user: a new one, theirs already, or why not. Each lost race means a share went
   * to someone else (or back to the sender), so at most `count` attempts fail.
   */
  const takeShare = async (
    packet: Packet,
    user: User,
  ): Promise<Result<{ share: Share; alreadyClaimed: boolean }, RedPacketError>> => {
    for (let attempt = 0; attempt <= packet.count; attempt += 1) {
      let share: Share | null;
      try {
        share = await assignNext(packet.id, user.id);
      } catch (error) {
        // UNIQUE (packet_id, claimed_by): the same person's other request won.
        share = null;
        if (!(await shareOf(packet.id, user.id))) throw error;
      }
      if (share) return ok({ share, alreadyClaimed: false });
      const mine = await shareOf(packet.id, user.id);
      if (mine) return ok({ share: mine, alreadyClaimed: true });
      const closed = closedReason((await loadPacket(packet.id))!);
      if (closed) return closed;
      if (!(await anyUnclaimed(packet.id)))
        return problem('red_packet_empty', 'every share of this red packet has been claimed');
    }
    throw new Error(`red packet ${packet.id}: no share settled after ${packet.count + 1} attempts`);
  };

  /** Escrow → the claimer's wallet; the transfer id makes a repeat (a retry, the sweep) pay once. */
  const payShare = async (packet: Packet, share: Share): Promise<void> => {
    if (share.paid) return;
    if (share.claimedBy === null) throw new Error(`red packet ${packet.id} share ${share.index} is not claimed`);
    const [claimer, escrow] = await Promise.all([
      userById(share.claimedBy),
      providerAccount(network, packet.providerId, 'redPacketEscrow'),
    ]);
    const paid = await ledger.transferOne({
      id: `${packet.id}:share:${share.index}`,
      debitAccountId: escrow,
      creditAccountId: claimer.walletAccountId,
      amount: share.amountFen,
      ledgerId: CNY_LEDGER_ID,
      code: TransferCodes.redPacketClaim,
      userData: `rp:${packet.id}`,
      flags: TransferFlags.none,
    });
    // The escrow holds every open share and wallets take any credit: a refusal is a broken invariant.
    if (paid.code !== 'ok')
      throw new Error(`red packet ${packet.id} share ${share.index}: the ledger refused ${paid.code}`);
    await db
      .updateTable('red_packet_shares')
      .set({ paid: 1 })
      .where('packet_id', '=', packet.id)
      .where('share_index', '=', share.index)
      .execute();
  };

  /** `finished` once every share is claimed and paid; a claim that misses it leaves it to the sweep. */
  const finishIfDone = async (packetId: string) => {
    await db
      .updateTable('red_packets')
      .set({ status: Status.finished })
      .where('id', '=', packetId)
      .where('status', '=', Status.open)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('red_packet_shares')
              .select('red_packet_shares.share_index')
              .where('red_packet_shares.packet_id', '=', packetId)
              .where((share) =>
                share.or([share('red_packet_shares.claimed_by', 'is', null), share('red_packet_shares.paid', '=', 0)]),
              ),
          ),
        ),
      )
      .execute();
  };

  // ---- Expiry ----

  /**
   * Closes an expired packet: takes the unclaimed shares back (each in its own row, so a claim
   * racing this either got its share first or finds it gone), pays any claimed share a crash
   * left unpaid, refunds the rest to the sender, then `expired` (or `finished` if nothing was left).
   */
  const closePacket = async (packet: Packet): Promise<void> => {
    await setStatus(packet.id, Status.open, Status.closing);
    const current = (await loadPacket(packet.id))!;
    if (current.status !== Status.closing) return;
    await db
      .updateTable('red_packet_shares')
      .set({ claimed_at_ms: nowMs() })
      .where('packet_id', '=', packet.id)
      .where('claimed_by', 'is', null)
      .where('claimed_at_ms', 'is', null)
      .execute();
    const shares = await loadShares(packet.id);
    for (const share of shares) if (share.claimedBy !== null) await payShare(current, share);
    const refundFen = shares
      .filter((share) => share.claimedBy === null)
      .reduce((sum, share) => sum + share.amountFen, 0n);
    if (refundFen > 0n) await refund(current, refundFen);
    await db
      .updateTable('red_packets')
      .set({
        status: refundFen > 0n ? Status.expired : Status.finished,
        refunded_fen: refundFen > 0n ? refundFen : null,
      })
      .where('id', '=', packet.id)
      .where('status', '=', Status.closing)
      .execute();
  };

  const refund = async (packet: Packet, refundFen: bigint): Promise<void> => {
    const [sender, escrow] = await Promise.all([
      userById(packet.senderUserId),
      providerAccount(network, packet.providerId, 'redPacketEscrow'),
    ]);
    const refunded = await ledger.transferOne({
      id: `${packet.id}:refund`,
      debitAccountId: escrow,
      creditAccountId: sender.walletAccountId,
      amount: refundFen,
      ledgerId: CNY_LEDGER_ID,
      code: TransferCodes.redPacketRefund,
      userData: `rp:${packet.id}`,
      flags: TransferFlags.none,
    });
    if (refunded.code !== 'ok') throw new Error(`red packet ${packet.id} refund: the ledger refused ${refunded.code}`);
    await db
      .updateTable('red_packet_shares')
      .set({ paid: 1 })
      .where('packet_id', '=', packet.id)
      .where('claimed_by', 'is', null)
      .execute();
  };

  const duePackets = async (status: string, dueOnly: boolean, limit: number): Promise<Packet[]> => {
    let query = db.selectFrom('red_packets').selectAll().where('status', '=', status);
    if (dueOnly) query = query.where('expires_at_ms', '<=', nowMs());
    const rows = await query.orderBy('expires_at_ms').limit(limit).execute();
    return rows.map(toPacket);
  };

  /** Claimed shares a crash left unpaid, in packets still open (closing pays the others). */
  const payUnpaidShares = async (limit: number): Promise<Set<string>> => {
    const rows = await db
      .selectFrom('red_packet_shares')
      .innerJoin('red_packets', 'red_packets.id', 'red_packet_shares.packet_id')
      .selectAll('red_packet_shares')
      .where('red_packets.status', '=', Status.open)
      .where('red_packet_shares.claimed_by', 'is not', null)
      .where('red_packet_shares.paid', '=', 0)
      .where('red_packet_shares.claimed_at_ms', '<=', nowMs() - BigInt(UNPAID_GRACE_MS))
      .limit(limit)
      .execute();
    const packetIds = new Set<string>();
    for (const row of rows) {
      const packet = (await loadPacket(row.packet_id))!;
      await payShare(packet, toShare(row));
      await finishIfDone(packet.id);
      packetIds.add(packet.id);
    }
    return packetIds;
  };

  // ---- Showing ----

  const view = async (packet: Packet, loaded?: Share[]): Promise<RedPacketView> => {
    const shares = loaded ?? (await loadShares(packet.id));
    const claimed = shares
      .filter((share) => share.claimedBy !== null)
      .sort((a, b) => compareBigint(a.takenAtMs ?? 0n, b.takenAtMs ?? 0n) || a.index - b.index);
    const people = new Map<string, { userId: string; name: string }>();
    for (const id of [packet.senderUserId, packet.recipientUserId, ...claimed.map((share) => share.claimedBy)]) {
      if (id !== null && !people.has(id)) people.set(id, { userId: id, name: displayName(await userById(id)) });
    }
    const status = displayStatus(packet, shares, nowMs());
    const luckiest = packet.kind === 'lucky' && status !== 'open' ? luckiestOf(claimed) : null;
    return {
      id: packet.id,
      kind: packet.kind,
      sender: people.get(packet.senderUserId)!,
      recipient: packet.recipientUserId === null ? null : people.get(packet.recipientUserId)!,
      totalFen: packet.totalFen,
      count: packet.count,
      note: packet.note,
      status,
      createdAtMs: packet.createdAtMs,
      expiresAtMs: packet.expiresAtMs,
      claimedCount: claimed.length,
      claimedFen: claimed.reduce((sum, share) => sum + share.amountFen, 0n),
      refundedFen: packet.refundedFen,
      shares: claimed.map((share) => ({
        index: share.index,
        amountFen: share.amountFen,
        claimedBy: people.get(share.claimedBy!)!,
        claimedAtMs: share.takenAtMs,
        luckiest: share === luckiest,
      })),
    };
  };

  /** A packet the user may see: sent, or not yet sent (pending, refused), is not found. */
  const visiblePacket = async (user: User, packetId: string): Promise<Result<Packet, RedPacketError>> => {
    const packet = await loadPacket(packetId);
    if (!packet || packet.status === Status.pending || packet.status === Status.failed) {
      return problem('red_packet_not_found', `there is no red packet ${packetId}`);
    }
    if (packet.senderUserId === user.id) return ok(packet);
    return openable(user, packet) ?? ok(packet);
  };

  return {
    async send(sender, input) {
      if (sender.status === 'frozen')
        return problem('account_frozen', 'your account is frozen; contact customer service to appeal');
      const print = fingerprint(requestOf(input));
      const existing = await findByKey(sender.id, input.idempotencyKey);
      if (existing) return answerSend(existing, print, input.idempotencyKey);
      const policy = await policyOf(sender.providerId);
      const checked = await checkSend(sender, input, policy);
      if (!checked.ok) return checked;
      await insertPacket(sender, input, policy, { print, recipient: checked.value.recipient });
      return answerSend((await findByKey(sender.id, input.idempotencyKey))!, print, input.idempotencyKey);
    },

    async claim(user, packetId) {
      if (user.status === 'frozen')
        return problem('account_frozen', 'your account is frozen; contact customer service to appeal');
      const visible = await visiblePacket(user, packetId);
      if (!visible.ok) return visible;
      const packet = visible.value;
      const refused = openable(user, packet);
      if (refused) return refused;
      // A person who has a share gets it again, even after the end.
      let taken: Result<{ share: Share; alreadyClaimed: boolean }, RedPacketError>;
      const mine = await shareOf(packet.id, user.id);
      if (mine) taken = ok({ share: mine, alreadyClaimed: true });
      else taken = closedReason(packet) ?? (await takeShare(packet, user));
      if (!taken.ok) return taken;
      const { share, alreadyClaimed } = taken.value;
      await payShare(packet, share);
      await finishIfDone(packet.id);
      const current = (await loadPacket(packet.id))!;
      return ok({ packet: await view(current), amountFen: share.amountFen, shareIndex: share.index, alreadyClaimed });
    },

    async show(user, packetId) {
      const visible = await visiblePacket(user, packetId);
      return visible.ok ? ok(await view(visible.value)) : visible;
    },

    async sweep(limit = RED_PACKET_SWEEP_LIMIT) {
      const handled = new Set<string>();
      // Recorded but never finished by its request (a crash): finish it as a retry would; closing
      // it below then returns the money, since it has expired.
      for (const packet of await duePackets(Status.pending, true, limit)) {
        await complete(packet);
        handled.add(packet.id);
      }
      for (const packet of await duePackets(Status.open, true, limit)) {
        await closePacket(packet);
        handled.add(packet.id);
      }
      // Closing cut short by a crash (or still running in another process: every step repeats safely).
      for (const packet of await duePackets(Status.closing, false, limit)) {
        await closePacket(packet);
        handled.add(packet.id);
      }
      for (const packetId of await payUnpaidShares(limit)) handled.add(packetId);
      return handled.size;
    },
  };
}

/** What the sender asked for, as given (the PIN aside): the same key with another request is a conflict. */
function requestOf(input: SendInput): Record<string, unknown> {
  return {
    kind: input.kind,
    amount: input.totalFen.toString(),
    count: input.count,
    to_phone: input.to?.phone ?? null,
    to_user_id: input.to?.userId ?? null,
    note: input.note ?? null,
  };
}

/** The policy's limits on amounts and counts, per kind. */
export function checkAmounts(
  kind: RedPacketKind,
  totalFen: bigint,
  count: number,
  rules: ProviderPolicy['redPackets'],
): Result<void, 'invalid_red_packet'> {
  const refuse = (message: string) => problem('invalid_red_packet', message);
  const max = formatYuanSymbol(rules.shareMaxFen);
  if (totalFen < 1n) return refuse('a red packet holds at least ¥0.01');
  if (!Number.isSafeInteger(count) || count < 1) return refuse('count must be a whole number of shares, at least 1');
  if (kind === 'single') {
    if (count !== 1) return refuse('a one-to-one red packet has exactly one share: count must be 1');
    if (totalFen > rules.shareMaxFen) {
      return refuse(`a red packet holds at most ${max}; ${formatYuanSymbol(totalFen)} is more`);
    }
    return ok(undefined);
  }
  if (count > rules.countMax) return refuse(`a group red packet has at most ${rules.countMax} shares, not ${count}`);
  if (kind === 'equal') {
    const split = splitEqual(totalFen, count);
    if (!split.ok) return refuse(split.error.message);
    if (split.value[0]! > rules.shareMaxFen) {
      return refuse(
        `each of ${count} equal shares would hold ${formatYuanSymbol(split.value[0]!)}; a share holds at most ${max}`,
      );
    }
    return ok(undefined);
  }
  if (totalFen < BigInt(count)) {
    return refuse(`${formatYuanSymbol(totalFen)} cannot give each of ${count} shares at least ¥0.01`);
  }
  if (totalFen > rules.shareMaxFen * BigInt(count)) {
    return refuse(
      `${count} lucky shares of ${formatYuanSymbol(totalFen)} would need some share above ${max}; ` +
        `send at most ${formatYuanSymbol(rules.shareMaxFen * BigInt(count))}`,
    );
  }
  return ok(undefined);
}

/** The shares of a checked packet; a split that fails here is a programmer's error (checkAmounts came first). */
function planShares(packet: Packet, shareMaxFen: bigint, random: RandomSource): bigint[] {
  if (packet.kind === 'single') return [packet.totalFen];
  const split =
    packet.kind === 'equal'
      ? splitEqual(packet.totalFen, packet.count)
      : splitLucky(packet.totalFen, packet.count, random);
  if (!split.ok) throw new Error(`red packet ${packet.id}: ${split.error.message}`);
  return packet.kind === 'lucky' ? capShares(split.value, shareMaxFen, random) : split.value;
}

/**
 * Brings every share to at most `shareMaxFen`, keeping the sum: what a share holds above the cap
 * moves to the shares with room, walking from a random one. Double-the-mean draws up to twice the
 * mean (and the last share takes the rest), so near the cap some draws exceed it. Drawing again
 * until a split fits would have no bound (at total = cap × count only the all-equal split fits),
 * and capping inside each draw would change the shared splitter; this keeps its split whenever
 * it already fits and costs one pass. Requires sum ≤ shareMaxFen × count.
 */
export function capShares(sharesFen: readonly bigint[], shareMaxFen: bigint, random: RandomSource): bigint[] {
  const capped = sharesFen.map((shareFen) => (shareFen > shareMaxFen ? shareMaxFen : shareFen));
  let excessFen =
    sharesFen.reduce((sum, shareFen) => sum + shareFen, 0n) - capped.reduce((sum, shareFen) => sum + shareFen, 0n);
  if (excessFen === 0n) return capped;
  const start = Number(random.nextBelow(BigInt(capped.length)));
  for (let step = 0; step < capped.length && excessFen > 0n; step += 1) {
    const index = (start + step) % capped.length;
    const roomFen = shareMaxFen - capped[index]!;
    const addedFen = roomFen < excessFen ? roomFen : excessFen;
    capped[index] = capped[index]! + addedFen;
    excessFen -= addedFen;
  }
  if (excessFen !== 0n)
    throw new Error(`shares of ${sharesFen.length} cannot hold their total under ${shareMaxFen} fen each`);
  return capped;
}

function assertShares(packet: Packet, shares: Share[]): Share[] {
  const sumFen = shares.reduce((sum, share) => sum + share.amountFen, 0n);
  const allIndexes = shares.every((share, index) => share.index === index && share.amountFen >= 1n);
  if (shares.length !== packet.count || sumFen !== packet.totalFen || !allIndexes) {
    throw new Error(
      `red packet ${packet.id}: ${shares.length} stored shares hold ${sumFen} fen, not ${packet.count} holding ${packet.totalFen}`,
    );
  }
  return shares;
}

function displayStatus(packet: Packet, shares: Share[], atMs: bigint): RedPacketView['status'] {
  if (packet.status === Status.finished) return 'finished';
  if (packet.status === Status.closing || packet.status === Status.expired) return 'expired';
  if (shares.every((share) => share.claimedBy !== null)) return 'finished';
  return atMs >= packet.expiresAtMs ? 'expired' : 'open';
}

/** The largest claimed share (手气最佳); between equal amounts, the earlier claim. */
function luckiestOf(claimedInOrder: Share[]): Share | null {
  let best: Share | null = null;
  for (const share of claimedInOrder) if (best === null || share.amountFen > best.amountFen) best = share;
  return best;
}

const compareBigint = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

function toPacket(row: Selectable<RedPacketsTable>): Packet {
  return {
    id: row.id,
    senderUserId: row.sender_user_id,
    providerId: row.provider_id,
    kind: row.kind,
    totalFen: BigInt(row.total_fen),
    count: Number(row.share_count),
    recipientUserId: row.recipient_user_id,
    note: row.note,
    fingerprint: row.fingerprint,
    status: row.status,
    failure: row.failure_code === null ? null : { code: row.failure_code, message: row.failure_message ?? '' },
    createdAtMs: BigInt(row.created_at_ms),
    expiresAtMs: BigInt(row.expires_at_ms),
    refundedFen: row.refunded_fen === null ? null : BigInt(row.refunded_fen),
  };
}

function toShare(row: Selectable<RedPacketSharesTable>): Share {
  return {
    index: Number(row.share_index),
    amountFen: BigInt(row.amount_fen),
    claimedBy: row.claimed_by,
    takenAtMs: row.claimed_at_ms === null ? null : BigInt(row.claimed_at_ms),
    paid: Number(row.paid) === 1,
  };
}
