// Row types of migration 3's tables (merchants, apps, nonces, codes, orders, payment codes,
// refunds, settlements), for the query builder.
import type { Generated } from 'kysely';

type SmallInt = number | bigint;

export interface MerchantTables {
  merchants: {
    id: string;
    provider_id: string;
    kind: 'individual' | 'business';
    name: string;
    mcc: string;
    fee_rate_bps: SmallInt;
    settlement_bank_account_id: string;
    settlement_delay_days: Generated<SmallInt>;
    pending_account_id: bigint;
    available_account_id: bigint;
    status: Generated<string>;
    created_at_ms: bigint;
  };
  stores: { id: string; merchant_id: string; name: string; city: string; created_at_ms: bigint };
  terminals: { id: string; store_id: string; name: string; created_at_ms: bigint };
  merchant_apps: {
    app_id: string;
    merchant_id: string;
    key_algorithm: 'rsa' | 'ed25519';
    public_key_pem: string;
    webhook_url: string | null;
    created_at_ms: bigint;
  };
  request_nonces: { app_id: string; nonce: string; seen_at_ms: bigint };
  collection_codes: {
    code: string;
    kind: 'static' | 'order' | 'personal';
    merchant_id: string | null;
    store_id: string | null;
    order_id: string | null;
    user_id: string | null;
    created_at_ms: bigint;
  };
  orders: {
    id: string;
    merchant_id: string;
    store_id: string | null;
    terminal_id: string | null;
    out_trade_no: string;
    channel: string;
    amount_fen: bigint;
    subject: string;
    status: string;
    payer_user_id: string | null;
    code: string | null;
    notify_url: string | null;
    fee_fen: Generated<bigint>;
    refunded_fen: Generated<bigint>;
    close_reason: string | null;
    created_at_ms: bigint;
    expires_at_ms: bigint;
    paid_at_ms: bigint | null;
    settlement_id: string | null;
    /** Migration 5: the protocol the order was made in (`saoma`, `alipay`, `wechatpay`). */
    protocol: Generated<string>;
    /** Migration 5: the protocol's own fields to echo back (JSON object of strings), or null. */
    protocol_data: string | null;
  };
  payment_codes: {
    code: string;
    user_id: string;
    device_id: string;
    provider_id: string;
    issued_at_ms: bigint;
    expires_at_ms: bigint;
    used_at_ms: bigint | null;
    order_id: string | null;
  };
  refunds: {
    id: string;
    order_id: string;
    merchant_id: string;
    out_request_no: string;
    amount_fen: bigint;
    fee_refund_fen: bigint;
    reason: string | null;
    status: string;
    failure_code: string | null;
    created_at_ms: bigint;
    completed_at_ms: bigint | null;
    settlement_id: string | null;
  };
  settlements: {
    id: string;
    merchant_id: string;
    business_date: string;
    gross_fen: bigint;
    fee_fen: bigint;
    refund_fen: bigint;
    net_fen: bigint;
    payment_count: SmallInt;
    refund_count: SmallInt;
    status: string;
    created_at_ms: bigint;
    paid_out_at_ms: bigint | null;
  };
}
