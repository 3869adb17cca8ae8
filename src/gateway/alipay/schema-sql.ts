// Migration 7: what only the Alipay gateway adds to the books — merchant-to-user transfers
// (`alipay.fund.trans.uni.transfer`, src/acquiring/merchant-transfers.ts), one per merchant and
// out_biz_no. The row is written before the ledger chain, so a retry after a crash finishes the
// same chain; its ledger ids derive from the merchant and out_biz_no.
export const alipaySchemaSql = `
CREATE TABLE merchant_transfers (
  id text PRIMARY KEY,
  merchant_id text NOT NULL REFERENCES merchants (id),
  out_biz_no text NOT NULL,
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  payee_user_id text NOT NULL REFERENCES users (id),
  title text,
  status text NOT NULL CHECK (status IN ('PROCESSING', 'SUCCESS', 'FAILED')),
  failure_code text,
  created_at_ms bigint NOT NULL,
  completed_at_ms bigint,
  UNIQUE (merchant_id, out_biz_no)
);
`;
