// Migration 6: WeChat Pay v3 credentials. A merchant number (`mchid`) belongs to one Saoma
// merchant, with its `appid` and APIv3 key (sealed); each certificate serial registered under it
// names the merchant app whose RSA public key verifies requests signed with that serial.
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
`;
