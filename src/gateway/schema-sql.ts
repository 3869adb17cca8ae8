// Migration 5: what the protocol gateways (Alipay OpenAPI, WeChat Pay API v3) share with the
// native API. Orders and outbox events say which protocol they speak, so that one engine serves
// all three and each notification goes out in the form its order was made in; the platform's
// RSA keys for each protocol. One text for SQLite and PostgreSQL.
export const gatewaySchemaSql = `
ALTER TABLE orders ADD COLUMN protocol text NOT NULL DEFAULT 'saoma' CHECK (protocol IN ('saoma', 'alipay', 'wechatpay'));
ALTER TABLE orders ADD COLUMN protocol_data text;

ALTER TABLE outbox_events ADD COLUMN format text NOT NULL DEFAULT 'saoma';

CREATE TABLE gateway_keys (
  purpose text PRIMARY KEY CHECK (purpose IN ('alipay', 'wechatpay')),
  key_id text NOT NULL,
  public_key_pem text NOT NULL,
  private_key_pem text NOT NULL,
  created_at_ms bigint NOT NULL
);
`;
