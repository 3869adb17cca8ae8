// The console's calls to /v1/admin. The operator token is kept in sessionStorage (this tab only,
// gone when it closes) and sent as a Bearer header: the operator API already takes exactly that,
// and a header cannot be sent by another site's form, so no cookie session (and no CSRF guard)
// is needed for it.
import { createApiClient, type ApiResult } from '../shared/api';

const STORAGE_KEY = 'saoma.console.token';
export const ADMIN = '/v1/admin';

export const storedToken = (): string | null => sessionStorage.getItem(STORAGE_KEY);
export const storeToken = (token: string | null) => {
  if (token === null) sessionStorage.removeItem(STORAGE_KEY);
  else sessionStorage.setItem(STORAGE_KEY, token);
};

let onUnauthorized: () => void = () => undefined;
export const whenUnauthorized = (handler: () => void) => {
  onUnauthorized = handler;
};

const client = createApiClient({ onUnauthorized: () => onUnauthorized() });

export function adminGet<Value>(
  path: string,
  query?: Record<string, string | undefined>,
  token = storedToken(),
): Promise<ApiResult<Value>> {
  return client.get<Value>(ADMIN + path, { query, headers: { authorization: `Bearer ${token ?? ''}` } });
}

export interface Institutions {
  providers: {
    id: string;
    name: string;
    name_zh: string;
    users: number;
    merchants: number;
    password_free_limit: string;
  }[];
  banks: { id: string; name: string; name_zh: string; bins: string[] }[];
}

export interface PaymentsMetric {
  window_seconds: number;
  now: string;
  total: number;
  average_per_second: number;
  per_second: { at: string; count: number; amount: string }[];
}

export interface Balances {
  ok: boolean;
  problems: string[];
  providers: { provider: string; reserve: string; client_funds: string; fee_income: string; bank_settlement: string }[];
}

export interface UserHit {
  id: string;
  provider: string;
  phone: string;
  real_name: string | null;
  id_number?: string | null;
  tier: number;
  status: string;
  created_at: string;
}

export interface SearchResult {
  users: UserHit[];
  merchants: {
    id: string;
    provider: string;
    name: string;
    kind: string;
    mcc: string;
    status: string;
    created_at: string;
  }[];
}

export interface Reviews {
  manual_review: boolean;
  users: UserHit[];
  next_before: string | null;
}

export interface Audit {
  ok: boolean;
  accounts: number;
  transfers: number;
  ledgers: {
    ledger_id: number;
    accounts: number;
    debits_posted: string;
    credits_posted: string;
    debits_pending: string;
    credits_pending: string;
  }[];
  problems: { code: string; message: string }[];
  problems_not_listed: number;
  network?: { ok: boolean; problems: string[] };
}
