// Row types of migration 8's tables (portal users and their sessions), for the query builder.
import type { Generated } from 'kysely';

export interface PortalTables {
  portal_users: {
    id: string;
    merchant_id: string;
    /** A mainland mobile number, or an e-mail address in lower case. */
    login: string;
    name: string;
    password_hash: string;
    status: Generated<'active' | 'disabled'>;
    created_at_ms: bigint;
    last_login_at_ms: bigint | null;
  };
  portal_sessions: {
    token_hash: string;
    portal_user_id: string;
    created_at_ms: bigint;
    expires_at_ms: bigint;
  };
}
