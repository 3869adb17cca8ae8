// Row types of migration 7's tables (src/gateway/alipay/schema-sql.ts).
export interface AlipayTransfersTable {
  id: string;
  merchant_id: string;
  out_biz_no: string;
  amount_fen: bigint;
  payee_user_id: string;
  order_title: string | null;
  status: string;
  created_at_ms: bigint;
}

export interface AlipayTables {
  alipay_transfers: AlipayTransfersTable;
}
