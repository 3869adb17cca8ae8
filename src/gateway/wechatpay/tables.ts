// Row types of migration 6's tables (src/gateway/wechatpay/schema-sql.ts).
type SmallInt = number | bigint;

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

export interface WechatpayOpenidsTable {
  appid: string;
  openid: string;
  user_id: string;
  created_at_ms: bigint;
}

export interface WechatpayBillDownloadsTable {
  token: string;
  mchid: string;
  bill_date: string;
  /** ALL, SUCCESS or REFUND. */
  bill_type: string;
  /** 1 when the merchant asked for tar_type=GZIP: the download is gzipped (the hash is the CSV's). */
  gzip: SmallInt;
  /** The CSV as hashed when the bill was asked for, BOM included. */
  body: string;
  expires_at_ms: bigint;
}

export interface WechatpayTables {
  wechatpay_merchants: WechatpayMerchantsTable;
  wechatpay_merchant_keys: WechatpayMerchantKeysTable;
  wechatpay_openids: WechatpayOpenidsTable;
  wechatpay_bill_downloads: WechatpayBillDownloadsTable;
}
