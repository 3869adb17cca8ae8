// A refusal as the user reads it: a short title in their language, the server's own sentence
// (which limit, how much is left, how many PIN tries remain …) and the particulars it sent.
import type { ApiError } from '../../shared/api';
import { errorTitle, useLocale } from '../../shared/i18n';
import { formatFen } from '../../shared/money';
import { useText } from '../text';

const isFen = (value: unknown): value is string => typeof value === 'string' && /^[0-9]{1,19}$/.test(value);

function DetailLines({ details }: { details: Record<string, unknown> }) {
  const t = useText();
  const lines: string[] = [];
  if (isFen(details.limit_fen) && isFen(details.left_fen)) {
    lines.push(t('refusal.limitLeft', { left: formatFen(details.left_fen), limit: formatFen(details.limit_fen) }));
  }
  if (isFen(details.available) && isFen(details.needed)) {
    lines.push(
      t('refusal.balanceNeeded', { available: formatFen(details.available), needed: formatFen(details.needed) }),
    );
  }
  if (isFen(details.amount_left) && typeof details.payments_left === 'string') {
    lines.push(t('refusal.receiveLeft', { amount: formatFen(details.amount_left), count: details.payments_left }));
  }
  if (lines.length === 0) return null;
  return (
    <ul className="refusal-details">
      {lines.map((line) => (
        <li key={line}>{line}</li>
      ))}
    </ul>
  );
}

export function Refusal({ error }: { error: ApiError | null }) {
  const { locale } = useLocale();
  if (!error) return null;
  return (
    <div className="refusal" role="alert" data-error-code={error.code}>
      <strong className="refusal-title">{errorTitle(error.code, locale)}</strong>
      <p className="refusal-message">{error.message}</p>
      {error.details && <DetailLines details={error.details} />}
    </div>
  );
}
