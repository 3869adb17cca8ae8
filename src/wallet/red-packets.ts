// Red packets: one-to-one and group (lucky or equal), the money waiting in the provider's escrow
// account, one claim per person, and unclaimed money back to the sender after the expiry.
// (Interface only: the implementation is being written.)
import type { IdentityService, User } from '../identity/service.js';
import type { LedgerService } from '../ledger/service.js';
import type { NetworkService } from '../network/service.js';
import type { Clock } from '../shared/clock.js';
import { problem, type Result } from '../shared/result.js';
import type { Store } from '../store/store.js';
import type { Limits } from './limits.js';
import type { RandomSource } from './red-packet-split.js';
import type { WalletError, WalletService } from './service.js';

export type RedPacketError =
  | 'red_packet_not_found'
  | 'red_packet_not_for_you'
  | 'red_packet_empty'
  | 'red_packet_expired'
  | 'invalid_red_packet';

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
  totalFen: bigint;
  count: number;
  note: string | null;
  status: 'open' | 'finished' | 'expired';
  createdAtMs: bigint;
  expiresAtMs: bigint;
  claimedFen: bigint;
  refundedFen: bigint | null;
  /** Claimed shares (who got how much); unclaimed shares' amounts stay hidden until the end. */
  shares: RedPacketShareView[];
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
  claim(user: User, packetId: string): Promise<Result<{ packet: RedPacketView; amountFen: bigint }, RedPacketError | WalletError>>;
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

export function createRedPacketService(deps: RedPacketDeps): RedPacketService {
  void deps;
  const notYet = () => problem('invalid_red_packet' as const, 'red packets are not implemented yet');
  return {
    send: async () => notYet(),
    claim: async () => notYet(),
    show: async () => notYet(),
    sweep: async () => 0,
  };
}
