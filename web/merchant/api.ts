// The portal's calls to /v1/portal (the session is an HTTP-only cookie the browser sends by
// itself) and the shapes of their answers. Amounts are strings of whole fen.
import { createApiClient } from '../shared/api';

export const PORTAL = '/v1/portal';

/** Set by the app: a 401 anywhere sends the user back to the log-in screen. */
let onUnauthorized: () => void = () => undefined;
export const whenUnauthorized = (handler: () => void) => {
  onUnauthorized = handler;
};

export const api = createApiClient({ onUnauthorized: () => onUnauthorized() });

export interface Me {
  user: { id: string; login: string; name: string; merchant_id: string; last_login_at: string | null };
  merchant: {
    id: string;
    name: string;
    provider: string;
    provider_name: string;
    provider_name_zh: string;
    kind: string;
    mcc: string;
    fee_rate_bps: number;
    settlement_delay_days: number;
    status: string;
  };
  session_expires_at: string;
}

export interface Takings {
  amount: string;
  count: number;
}

export interface Dashboard {
  business_date: string;
  today: { paid: Takings; refunded: Takings };
  by_hour: (Takings & { hour: number })[];
  by_day: (Takings & { date: string })[];
  by_provider: (Takings & { provider: string })[];
}

export interface Order {
  order_id: string;
  out_trade_no: string;
  status: string;
  channel: string;
  amount: string;
  fee: string;
  refunded: string;
  subject: string;
  store_id: string | null;
  code_url: string | null;
  close_reason: string | null;
  created_at: string;
  expires_at: string;
  paid_at: string | null;
}

export interface Refund {
  refund_id: string;
  out_request_no: string;
  status: string;
  amount: string;
  fee_refund: string;
  reason: string | null;
  created_at: string;
  completed_at: string | null;
}

export interface OrderDetail extends Order {
  refundable: string;
  payer: { name: string; provider: string } | null;
  refunds: Refund[];
}

export interface OrderPage {
  orders: Order[];
  next_before: string | null;
}

export interface CollectionCode {
  code: string;
  store_id: string | null;
  code_url: string;
  qr_png: string;
  qr_svg: string;
  stand_svg: string;
  created_at: string;
}

export interface StoreList {
  stores: { store_id: string; name: string; city: string; codes: CollectionCode[] }[];
  codes_without_store: CollectionCode[];
}

export interface Settlement {
  settlement_id: string;
  business_date: string;
  status: string;
  gross: string;
  fee: string;
  refunds: string;
  net: string;
  payments: number;
  refund_count: number;
  paid_out_at: string | null;
}

export interface Credentials {
  merchant_id: string;
  apps: {
    app_id: string;
    key_algorithm: string;
    public_key_pem: string;
    webhook_url: string | null;
    created_at: string;
  }[];
  platform_webhook_key: { algorithm: string; public_key_pem: string };
}

export interface Notification {
  id: string;
  type: string;
  status: 'pending' | 'delivered' | 'failed';
  url: string;
  created_at: string;
  next_attempt_at: string | null;
  completed_at: string | null;
  attempt_count: number;
  in_flight: boolean;
  payload: Record<string, unknown>;
  attempts: {
    number: number;
    started_at: string;
    outcome: string;
    http_status: number | null;
    error: string | null;
    duration_ms: number | null;
  }[];
}

export interface NotificationPage {
  notifications: Notification[];
  next_before: string | null;
}
