// Migration 7: what only the Alipay gateway keeps — merchant-to-user transfers
// (`alipay.fund.trans.uni.transfer`), one per merchant and out_biz_no.
export const alipaySchemaSql = `
CREATE TABLE alipay_transfers (
  id text PRIMARY KEY,
  merchant_id text NOT NULL REFERENCES merchants (id),
  out_biz_no text NOT NULL,
  amount_fen bigint NOT NULL CHECK (amount_fen > 0),
  payee_user_id text NOT NULL REFERENCES users (id),
  order_title text,
  status text NOT NULL,
  created_at_ms bigint NOT NULL,
  UNIQUE (merchant_id, out_biz_no)
);
`;
