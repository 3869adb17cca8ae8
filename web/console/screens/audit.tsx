// The audit result (GET /v1/admin/audit): the ledger's proof of the books from the journal and
// the providers' reserve audit, with every problem found.
import { formatFen } from '../../shared/money';
import { Page, Refusal, useLoad } from '../../merchant/components/common';
import { adminGet, type Audit } from '../api';
import { useText } from '../text';

export function AuditScreen() {
  const t = useText();
  const audit = useLoad(() => adminGet<Audit>('/audit'), []);
  const report = audit.value;
  return (
    <Page
      title={t('navAudit')}
      actions={
        <button type="button" onClick={audit.reload} disabled={audit.loading}>
          {t('rerun')}
        </button>
      }
    >
      <Refusal error={audit.error} />
      {!report && !audit.error && <p>{t('loading')}</p>}
      {report && (
        <>
          <div className="panel" data-testid="audit-result">
            <header className="panel-header">
              <h2>
                <span className={report.ok ? 'ok-badge' : 'ok-badge bad'}>
                  {report.ok ? t('auditOk') : t('auditFailed')}
                </span>
              </h2>
              <span className="muted">
                {t('accounts')} {report.accounts} · {t('transfers')} {report.transfers}
              </span>
            </header>
            <table className="table">
              <thead>
                <tr>
                  <th>{t('ledger')}</th>
                  <th className="number">{t('accounts')}</th>
                  <th className="number">{t('debitsPosted')}</th>
                  <th className="number">{t('creditsPosted')}</th>
                </tr>
              </thead>
              <tbody>
                {report.ledgers.map((ledger) => (
                  <tr key={ledger.ledger_id}>
                    <td>{ledger.ledger_id === 1 ? 'CNY (1)' : ledger.ledger_id}</td>
                    <td className="number">{ledger.accounts}</td>
                    <td className="number saoma-amount">
                      {ledger.ledger_id === 1 ? formatFen(ledger.debits_posted) : ledger.debits_posted}
                    </td>
                    <td className="number saoma-amount">
                      {ledger.ledger_id === 1 ? formatFen(ledger.credits_posted) : ledger.credits_posted}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {(report.problems.length > 0 || (report.network?.problems.length ?? 0) > 0) && (
            <div className="panel">
              <h2>{t('problems')}</h2>
              {report.problems.map((problem) => (
                <p key={problem.message} className="refusal">
                  {problem.code}: {problem.message}
                </p>
              ))}
              {report.network?.problems.map((line) => (
                <p key={line} className="refusal">
                  {line}
                </p>
              ))}
            </div>
          )}
        </>
      )}
    </Page>
  );
}
