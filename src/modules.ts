// The payer side's modules wired together over one store, ledger and clock: network, identity,
// banking, the wallet and red packets. main.ts, the seed and the tests build them the same way.
import { outboxWriter } from './acquiring/events.js';
import { createAcquiringService, type AcquiringService } from './acquiring/service.js';
import { createOrderBook, type EventWriter, type OrderBook } from './acquiring/orders.js';
import { createPaymentCodeService, type PaymentCodeService } from './acquiring/payment-codes.js';
import { createPaymentService, type PaymentService } from './acquiring/payments.js';
import { createRefundService, type RefundService } from './acquiring/refunds.js';
import { createSettlementService, type SettlementService } from './acquiring/settlement.js';
import { createBankingService, type BankingService } from './banking/service.js';
import { gatewayDeliveryFormats } from './gateway/formats.js';
import { createMerchantService, type MerchantService } from './merchant/service.js';
import { createNotifier, type Notifier } from './notify/worker.js';
import { createIdentityService, type IdentityService } from './identity/service.js';
import type { LedgerService } from './ledger/service.js';
import { createNetworkService, type NetworkService } from './network/service.js';
import type { Clock } from './shared/clock.js';
import type { WebhookDestinations } from './shared/config.js';
import type { FieldCipher } from './shared/field-cipher.js';
import type { Store } from './store/store.js';
import { createLimits, type Limits } from './wallet/limits.js';
import { createOperationRunner, type OperationRunner } from './wallet/operations.js';
import { createRedPacketService, type RedPacketService } from './wallet/red-packets.js';
import type { RandomSource } from './wallet/red-packet-split.js';
import { createWalletService, type WalletService } from './wallet/service.js';

export interface Modules {
  store: Store;
  /** Seals sensitive fields (ID and card numbers, WeChat Pay APIv3 keys). */
  cipher: FieldCipher;
  ledger: LedgerService;
  clock: Clock;
  network: NetworkService;
  identity: IdentityService;
  banking: BankingService;
  limits: Limits;
  operations: OperationRunner;
  wallet: WalletService;
  redPackets: RedPacketService;
  merchants: MerchantService;
  orders: OrderBook;
  payments: PaymentService;
  paymentCodes: PaymentCodeService;
  refunds: RefundService;
  acquiring: AcquiringService;
  settlements: SettlementService;
  notifier: Notifier;
}

export interface ModuleDeps {
  store: Store;
  ledger: LedgerService;
  clock: Clock;
  cipher: FieldCipher;
  /** Lucky red packets' random source; tests pass a seeded one. */
  random?: RandomSource;
  /** The outbox's INSERT for a merchant event (default: the notify module's outbox). */
  writeEvent?: EventWriter;
  /** How webhooks are sent (tests may pass their own). */
  fetchImpl?: typeof fetch;
  /** `public`: webhooks only to public addresses (SAOMA_WEBHOOK_DESTINATIONS); default `any`. */
  webhookDestinations?: WebhookDestinations;
}

export async function createModules(deps: ModuleDeps): Promise<Modules> {
  const { store, ledger, clock, cipher } = deps;
  const network = createNetworkService({ store, ledger, clock });
  await network.ensureLedgers();
  const identity = createIdentityService({ store, ledger, network, clock, cipher });
  const banking = createBankingService({ store, ledger, network, identity, clock, cipher });
  const limits = createLimits({ ledger, network, clock });
  const operations = createOperationRunner({ store, ledger, clock });
  const wallet = createWalletService({ ledger, network, identity, banking, limits, operations });
  const redPackets = createRedPacketService({
    store,
    ledger,
    network,
    identity,
    wallet,
    limits,
    clock,
    random: deps.random,
  });
  const merchants = createMerchantService({ store, ledger, network, clock });
  const writeEvent = deps.writeEvent ?? outboxWriter({ store, clock, network, merchants });
  const notifier = createNotifier({
    store,
    clock,
    fetchImpl: deps.fetchImpl,
    publicDestinationsOnly: deps.webhookDestinations === 'public',
    formats: gatewayDeliveryFormats({ store, clock, cipher }),
  });
  const orders = createOrderBook({ store, clock, writeEvent });
  const payments = createPaymentService({ store, clock, ledger, network, identity, wallet, limits, merchants, orders });
  const paymentCodes = createPaymentCodeService({ store, clock, network });
  const refunds = createRefundService({ store, clock, ledger, network, identity, orders, merchants, writeEvent });
  const settlements = createSettlementService({ store, clock, ledger, network, merchants });
  const acquiring = createAcquiringService({
    refunds,
    store,
    clock,
    network,
    identity,
    merchants,
    orders,
    payments,
    paymentCodes,
  });
  return {
    store,
    cipher,
    ledger,
    clock,
    network,
    identity,
    banking,
    limits,
    operations,
    wallet,
    redPackets,
    merchants,
    orders,
    payments,
    paymentCodes,
    refunds,
    acquiring,
    settlements,
    notifier,
  };
}
