// One delivery attempt over HTTP: POST the signed body, wait at most `timeoutMs` for the answer,
// and say what happened. Only a 2xx acknowledges (or, for a format that reads the answer, what
// its `acknowledge` says); everything else is a failed attempt.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
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
    return { ...answered(request, response.status, text), durationMs: elapsedMs() };
  } catch (error) {
    return { acknowledged: false, httpStatus: null, error: describeFailure(error, timeoutMs), durationMs: elapsedMs() };
  }
}

/**
 * The same attempt over node:http(s) with kept-alive connections: what the notifier uses unless a
 * test hands it a fetch of its own. `fetch` costs several times the CPU per request, and the
 * notifier makes one request per payment.
 */
export function postWebhookOverHttp(
  request: WebhookRequest,
  timeoutMs: number,
  options: { publicDestinationsOnly?: boolean } = {},
): Promise<HttpAttemptResult> {
  const startedMs = performance.now();
  const elapsedMs = () => Math.max(0, Math.round(performance.now() - startedMs));
  const secure = request.url.protocol === 'https:';
  const literal = request.url.hostname.replace(/^\[|\]$/g, '');
  if (options.publicDestinationsOnly && isIP(literal) !== 0 && !isPublicAddress(literal)) {
    return Promise.resolve({ acknowledged: false, httpStatus: null, error: privateRefusal(literal), durationMs: 0 });
  }
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<HttpAttemptResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...result, durationMs: elapsedMs() });
    };
    const body = Buffer.from(request.body, 'utf8');
    const outgoing = (secure ? https : http).request(
      request.url,
      {
        method: 'POST',
        agent: secure ? httpsAgent : httpAgent,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': USER_AGENT,
          ...request.headers,
          'content-length': String(body.length),
        },
        signal: AbortSignal.timeout(timeoutMs),
        ...(options.publicDestinationsOnly ? { lookup: publicOnlyLookup } : {}),
      },
      (response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (!request.acknowledge || size >= ACK_TEXT_BYTES_MAX) return;
          chunks.push(chunk);
          size += chunk.length;
        });
        response.on('error', () => undefined);
        response.on('end', () => {
          const text = Buffer.concat(chunks).subarray(0, ACK_TEXT_BYTES_MAX).toString('utf8');
          finish(answered(request, status, text));
        });
        // Closed before its end (the time ran out, the receiver hung up): not an acknowledgement.
        response.on('close', () =>
          finish({ acknowledged: false, httpStatus: status, error: 'the answer was cut short' }),
        );
      },
    );
    outgoing.on('error', (error) =>
      finish({ acknowledged: false, httpStatus: null, error: describeFailure(error, timeoutMs) }),
    );
    outgoing.end(body);
  });
}

/**
 * Where a merchant's URL may not lead when only public destinations are allowed: this machine,
 * private networks, link-local (cloud metadata at 169.254.169.254), shared and reserved ranges.
 * Checked on the address the name resolves to at connection time, so a name that later
 * resolves somewhere private (DNS rebinding) is refused too.
 */
const NON_PUBLIC = (() => {
  const list = new BlockList();
  for (const [network, prefix] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['224.0.0.0', 3],
  ] as const)
    list.addSubnet(network, prefix, 'ipv4');
  for (const [network, prefix] of [
    ['::', 127],
    ['fc00::', 7],
    ['fe80::', 10],
    ['ff00::', 8],
  ] as const)
    list.addSubnet(network, prefix, 'ipv6');
  return list;
})();

export function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return !NON_PUBLIC.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return false;
  return !NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const privateRefusal = (address: string) =>
  `the webhook URL leads to ${address}, which is not a public address; this server delivers only to ` +
  'public addresses (SAOMA_WEBHOOK_DESTINATIONS=public)';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup, refusing names that resolve to a non-public address (in either of its answer forms). */
function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, options, (error, address: string | LookupAddress[], family?: number) => {
    if (error) return callback(error, address, family);
    const addresses = Array.isArray(address) ? address.map((entry) => entry.address) : [address];
    const refused = addresses.find((candidate) => !isPublicAddress(candidate));
    if (refused !== undefined) return callback(new Error(privateRefusal(refused)), address, family);
    callback(null, address, family);
  });
}

const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });

/** What an answer means: acknowledged or not, and why not. */
function answered(request: WebhookRequest, status: number, text: string): Omit<HttpAttemptResult, 'durationMs'> {
  const acknowledged = request.acknowledge ? request.acknowledge(status, text) : status >= 200 && status < 300;
  const redirected = status >= 300 && status < 400;
  return {
    acknowledged,
    httpStatus: status,
    error: redirected
      ? 'redirects are not followed: register the final URL'
      : !acknowledged && status >= 200 && status < 300
        ? `the answer did not acknowledge: ${JSON.stringify(text.slice(0, 100))}`
        : null,
  };
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
    if (error.name === 'AbortError' && (error.cause as Error | undefined)?.name === 'TimeoutError') {
      return `no answer within ${timeoutMs} ms`;
    }
    const cause = error.cause;
    if (cause instanceof Error) {
      const code = (cause as NodeJS.ErrnoException).code;
      return code && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
    }
    return error.message;
  })();
  return text.length > ATTEMPT_ERROR_LENGTH_MAX ? `${text.slice(0, ATTEMPT_ERROR_LENGTH_MAX - 1)}…` : text;
}
