// Row types of migration 7's tables (src/gateway/alipay/schema-sql.ts).
export interface MerchantTransfersTable {
  id: string;
  merchant_id: string;
  out_biz_no: string;
  amount_fen: bigint;
  payee_user_id: string;
  title: string | null;
  status: 'PROCESSING' | 'SUCCESS' | 'FAILED';
  failure_code: string | null;
  created_at_ms: bigint;
  completed_at_ms: bigint | null;
}

export interface AlipayTables {
  merchant_transfers: MerchantTransfersTable;
}
