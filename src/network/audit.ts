// The network's audit, on top of the ledger's: for each wallet provider, the reserve must equal
// what it holds for clients (wallets, red packets in escrow) plus its own fee income kept there,
// and what the banks owe it in settlement accounts must equal that reserve (every top-up and
// withdrawal moves both by the same amount). Run it on quiet books (after the ledger's audit).
import { AccountCodes, CLIENT_FUND_ACCOUNT_CODES } from './chart.js';
import type { NetworkService } from './service.js';
import type { Store } from '../store/store.js';

export interface ProviderFunds {
  providerId: string;
  reserveFen: bigint;
  clientFundsFen: bigint;
  feeIncomeFen: bigint;
  bankSettlementFen: bigint;
}

export interface NetworkAuditReport {
  ok: boolean;
  providers: ProviderFunds[];
  problems: string[];
}

export async function auditNetwork(deps: { store: Store; network: NetworkService }): Promise<NetworkAuditReport> {
  const db = deps.store.db;
  const providers: ProviderFunds[] = [];
  const problems: string[] = [];
  for (const provider of await deps.network.listProviders()) {
    const rows = await db
      .selectFrom('accounts')
      .select(['institution_id', 'code', 'key'])
      .select((eb) => [
        eb.fn.sum<bigint>('debits_posted').as('debits'),
        eb.fn.sum<bigint>('credits_posted').as('credits'),
      ])
      .where((eb) => eb.or([eb('institution_id', '=', provider.id), eb('key', 'like', `%:settlement:${provider.id}`)]))
      .groupBy(['institution_id', 'code', 'key'])
      .execute();
    const funds: ProviderFunds = {
      providerId: provider.id,
      reserveFen: 0n,
      clientFundsFen: 0n,
      feeIncomeFen: 0n,
      bankSettlementFen: 0n,
    };
    for (const row of rows) {
      const code = Number(row.code);
      const credit = BigInt(row.credits ?? 0) - BigInt(row.debits ?? 0);
      if (row.institution_id !== provider.id) {
        if (code === AccountCodes.bankSettlement) funds.bankSettlementFen += credit;
      } else if (code === AccountCodes.providerReserve) funds.reserveFen -= credit;
      else if (CLIENT_FUND_ACCOUNT_CODES.includes(code)) funds.clientFundsFen += credit;
      else if (code === AccountCodes.feeIncome) funds.feeIncomeFen += credit;
    }
    providers.push(funds);
    if (funds.reserveFen !== funds.clientFundsFen + funds.feeIncomeFen) {
      problems.push(
        `${provider.id}: the reserve holds ${funds.reserveFen} fen but clients are owed ${funds.clientFundsFen} and fee income is ${funds.feeIncomeFen}`,
      );
    }
    if (funds.bankSettlementFen !== funds.reserveFen) {
      problems.push(
        `${provider.id}: banks owe ${funds.bankSettlementFen} fen in settlement accounts but the reserve is ${funds.reserveFen}`,
      );
    }
  }
  return { ok: problems.length === 0, providers, problems };
}
