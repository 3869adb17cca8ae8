// One delivery attempt over HTTP: POST the signed body, wait at most `timeoutMs` for the answer,
// and say what happened. Only a 2xx acknowledges; everything else is a failed attempt.
import { performance } from 'node:perf_hooks';

export type FetchFunction = typeof fetch;

export interface WebhookRequest {
  url: URL;
  headers: Readonly<Record<string, string>>;
  body: string;
}

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
    // The answer's body is not read: the status is the whole acknowledgement. Cancelling frees the socket.
    await response.body?.cancel().catch(() => undefined);
    const acknowledged = response.status >= 200 && response.status < 300;
    const redirected = response.status >= 300 && response.status < 400;
    return {
      acknowledged,
      httpStatus: response.status,
      error: redirected ? 'redirects are not followed: register the final URL' : null,
      durationMs: elapsedMs(),
    };
  } catch (error) {
    return { acknowledged: false, httpStatus: null, error: describeFailure(error, timeoutMs), durationMs: elapsedMs() };
  }
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
