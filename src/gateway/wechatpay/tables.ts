// Row types of migration 6's tables (src/gateway/wechatpay/schema-sql.ts).
export interface WechatpayMerchantsTable {
  mchid: string;
  merchant_id: string;
  appid: string;
  /** The 32-byte APIv3 key, sealed with the field cipher (src/shared/field-cipher.ts). */
  api_v3_key_sealed: string;
  created_at_ms: bigint;
}

export interface WechatpayMerchantKeysTable {
  mchid: string;
  serial_no: string;
  app_id: string;
  created_at_ms: bigint;
}

export interface WechatpayTables {
  wechatpay_merchants: WechatpayMerchantsTable;
  wechatpay_merchant_keys: WechatpayMerchantKeysTable;
}
