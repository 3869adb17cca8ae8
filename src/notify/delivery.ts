// One delivery attempt over HTTP: POST the signed body, wait at most `timeoutMs` for the answer,
// and say what happened. Only a 2xx acknowledges (or, for a format that reads the answer, what
// its `acknowledge` says); everything else is a failed attempt.
import { performance } from 'node:perf_hooks';

export type FetchFunction = typeof fetch;

export interface WebhookRequest {
  url: URL;
  headers: Readonly<Record<string, string>>;
  body: string;
  /** Reads the answer's text (its first ACK_TEXT_BYTES_MAX bytes) to decide; default: any 2xx. */
  acknowledge?: (httpStatus: number, bodyText: string) => boolean;
}

/** An acknowledgement is a word (`success`) or a small JSON object, never a document. */
export const ACK_TEXT_BYTES_MAX = 4096;

export interface HttpAttemptResult {
  acknowledged: boolean;
  /** The receiver's status, or null when no answer came (timeout, refused or closed connection). */
  httpStatus: number | null;
  /** Why it failed, for the merchant to read; null for an answer that speaks for itself. */
  error: string | null;
  /** Wall time of the attempt (a measurement, so not the injected clock). */
  durationMs: number;
}

/** Longer texts from a network stack say nothing more useful to a merchant. */
export const ATTEMPT_ERROR_LENGTH_MAX = 500;
const USER_AGENT = 'Saoma-Webhook/1';

export async function postWebhook(
  fetchImpl: FetchFunction,
  request: WebhookRequest,
  timeoutMs: number,
): Promise<HttpAttemptResult> {
  const startedMs = performance.now();
  const elapsedMs = () => Math.max(0, Math.round(performance.now() - startedMs));
  try {
    const response = await fetchImpl(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': USER_AGENT, ...request.headers },
      body: request.body,
      // A redirect could lead anywhere (another host, an internal address): it is a failed attempt.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // By default the answer's body is not read: the status is the whole acknowledgement.
    const text = request.acknowledge ? await readStart(response) : '';
    await response.body?.cancel().catch(() => undefined);
    const acknowledged = request.acknowledge
      ? request.acknowledge(response.status, text)
      : response.status >= 200 && response.status < 300;
    const redirected = response.status >= 300 && response.status < 400;
    return {
      acknowledged,
      httpStatus: response.status,
      error: redirected
        ? 'redirects are not followed: register the final URL'
        : !acknowledged && response.status >= 200 && response.status < 300
          ? `the answer did not acknowledge: ${JSON.stringify(text.slice(0, 100))}`
          : null,
      durationMs: elapsedMs(),
    };
  } catch (error) {
    return { acknowledged: false, httpStatus: null, error: describeFailure(error, timeoutMs), durationMs: elapsedMs() };
  }
}

/** The first ACK_TEXT_BYTES_MAX bytes of the answer, as UTF-8 text. */
async function readStart(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < ACK_TEXT_BYTES_MAX) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, ACK_TEXT_BYTES_MAX).toString('utf8');
}

/** `fetch failed` says nothing; its cause (ECONNREFUSED, other side closed …) does. */
export function describeFailure(error: unknown, timeoutMs: number): string {
  const text = (() => {
    if (!(error instanceof Error)) return String(error);
    if (error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
    const cause = error.cause;
    if (cause instanceof Error) {
      const code = (cause as NodeJS.ErrnoException).code;
      return code && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
    }
    return error.message;
  })();
  return text.length > ATTEMPT_ERROR_LENGTH_MAX ? `${text.slice(0, ATTEMPT_ERROR_LENGTH_MAX - 1)}…` : text;
}
