// Row types of migration 5's tables (src/gateway/schema-sql.ts), for the query builder.
export type GatewayPurpose = 'alipay' | 'wechatpay';

export interface GatewayKeysTable {
  purpose: GatewayPurpose;
  /** Alipay: `alipay`; WeChat Pay: the public key id in public-key mode (`PUB_KEY_ID_…`). */
  key_id: string;
  public_key_pem: string;
  private_key_pem: string;
  created_at_ms: bigint;
}

export interface GatewayTables {
  gateway_keys: GatewayKeysTable;
}
