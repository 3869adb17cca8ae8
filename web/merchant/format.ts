// Times on screen in the network's time zone (Asia/Shanghai), whatever the browser's is.
const TIME_ZONE = 'Asia/Shanghai';

export function formatTime(iso: string | null, locale: string): string {
  if (iso === null) return '—';
  return new Date(iso).toLocaleString(locale, {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
}

/** Today's business date (YYYY-MM-DD) in Asia/Shanghai. */
export function todayInShanghai(): string {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

/** A short random id for a refund form, so that submitting it twice refunds once. */
export function newRequestNumber(): string {
  return `portal-${crypto.randomUUID().replaceAll('-', '').slice(0, 20)}`;
}
