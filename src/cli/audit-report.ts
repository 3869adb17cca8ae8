// The audit report as people read it in a terminal: what was checked, the totals per ledger,
// and every problem with its code. `saoma audit --json` prints the API's JSON form instead.
import type { AuditReport } from '../ledger/audit.js';
import type { NetworkAuditReport } from '../network/audit.js';

export function formatAuditReport(report: AuditReport, databaseDescription: string): string {
  const lines = [
    `Audit of ${databaseDescription}`,
    `  accounts   ${report.accounts}`,
    `  transfers  ${report.transfers}`,
  ];
  for (const ledger of report.ledgers) {
    lines.push(
      '',
      `  ledger ${ledger.ledgerId}: ${ledger.accounts} account${ledger.accounts === 1 ? '' : 's'} (amounts in minor units)`,
      `    posted   debits ${ledger.debitsPosted}  credits ${ledger.creditsPosted}`,
      `    pending  debits ${ledger.debitsPending}  credits ${ledger.creditsPending}`,
    );
  }
  lines.push('');
  if (report.ok) {
    lines.push('OK: the books balance, the journal chain is intact and every balance matches its journal.');
    return lines.join('\n');
  }
  const total = report.problems.length + report.problemsNotListed;
  lines.push(`FAILED: ${total} problem${total === 1 ? '' : 's'} found`);
  for (const entry of report.problems) lines.push(`  [${entry.code}] ${entry.message}`);
  if (report.problemsNotListed > 0) lines.push(`  … and ${report.problemsNotListed} more, not listed`);
  return lines.join('\n');
}

/** Each provider's reserve against what it owes (the reserve audit), after the books. */
export function formatNetworkAudit(report: NetworkAuditReport): string {
  if (report.providers.length === 0) return 'Reserves: no wallet providers in this network.';
  const lines = ['Reserves (fen)'];
  for (const funds of report.providers) {
    lines.push(
      `  ${funds.providerId}: reserve ${funds.reserveFen} = client funds ${funds.clientFundsFen} + fee income ${funds.feeIncomeFen}; ` +
        `banks' settlement accounts ${funds.bankSettlementFen}`,
    );
  }
  if (report.ok) lines.push('OK: every reserve covers its clients exactly and matches what the banks hold.');
  else lines.push('FAILED:', ...report.problems.map((problem) => `  [reserve] ${problem}`));
  return lines.join('\n');
}
