// Migration 6: WeChat Pay v3. A merchant number (`mchid`) belongs to one Saoma merchant, with its
// `appid` and APIv3 key (sealed); each certificate serial registered under it names the merchant
// app whose RSA public key verifies requests signed with that serial. Openids handed out per
// appid are kept so that a JSAPI order's payer can be resolved back to a wallet user; a trade
// bill asked for is kept, with its hash, until its download token runs out.
export const wechatpaySchemaSql = `
CREATE TABLE wechatpay_merchants (
  mchid text PRIMARY KEY,
  merchant_id text NOT NULL UNIQUE REFERENCES merchants (id),
  appid text NOT NULL,
  api_v3_key_sealed text NOT NULL,
  created_at_ms bigint NOT NULL
);

CREATE TABLE wechatpay_merchant_keys (
  mchid text NOT NULL REFERENCES wechatpay_merchants (mchid),
  serial_no text NOT NULL,
  app_id text NOT NULL REFERENCES merchant_apps (app_id),
  created_at_ms bigint NOT NULL,
  PRIMARY KEY (mchid, serial_no)
);

CREATE TABLE wechatpay_openids (
  appid text NOT NULL,
  openid text NOT NULL,
  user_id text NOT NULL REFERENCES users (id),
  created_at_ms bigint NOT NULL,
  PRIMARY KEY (appid, openid)
);

CREATE TABLE wechatpay_bill_downloads (
  token text PRIMARY KEY,
  mchid text NOT NULL REFERENCES wechatpay_merchants (mchid),
  bill_date text NOT NULL,
  bill_type text NOT NULL,
  gzip smallint NOT NULL,
  body text NOT NULL,
  expires_at_ms bigint NOT NULL
);
CREATE INDEX wechatpay_bill_downloads_expiry ON wechatpay_bill_downloads (expires_at_ms);
`;
