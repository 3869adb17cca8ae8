// The command-line wallet's HTTP client for the native API (Node's own fetch): JSON in and out,
// the session's Bearer token, an Idempotency-Key on requests that move money, and every way a
// call can fail turned into a WalletFailure that says what happened and which exit code it gets.

/** Exit codes: 1 the server said no; 2 the command could not ask (usage, unreachable, server fault). */
export const EXIT_REFUSED = 1;
export const EXIT_USAGE = 2;

/** A request that takes longer than this is given up, and the command says so. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Answers larger than this are not the API's (its pages are bounded far below it). */
const ANSWER_BYTES_MAX = 4 * 1024 * 1024;

/** The error shape of the API, and the wallet's own failures in the same shape. */
export interface WalletProblem {
  code: string;
  message: string;
  field?: string;
  details?: Record<string, unknown>;
}

/** An expected way for a command to end without doing its job: printed as a sentence (or JSON), never a stack. */
export class WalletFailure extends Error {
  constructor(
    readonly exitCode: number,
    readonly problem: WalletProblem,
    /** Printed after the sentence in text mode: what to do next. */
    readonly hint?: string,
  ) {
    super(problem.message);
  }
}

export const usageFailure = (code: string, message: string, hint?: string): WalletFailure =>
  new WalletFailure(EXIT_USAGE, { code, message }, hint);

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** From the server's root: `/v1/wallet`. */
  path: string;
  token?: string;
  body?: unknown;
  idempotencyKey?: string;
}

export type ApiClient = (request: ApiRequest) => Promise<unknown>;

export function createApiClient(server: string, userAgent: string): ApiClient {
  return async (request) => {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': userAgent };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`;
    if (request.idempotencyKey !== undefined) headers['idempotency-key'] = request.idempotencyKey;
    let response: Response;
    try {
      response = await fetch(`${server}${request.path}`, {
        method: request.method,
        headers,
        ...(request.body !== undefined && { body: JSON.stringify(request.body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw unreachable(server, error, request.idempotencyKey);
    }
    return answerOf(server, response, request.idempotencyKey);
  };
}

async function answerOf(server: string, response: Response, idempotencyKey: string | undefined): Promise<unknown> {
  const text = await response.text();
  if (text.length > ANSWER_BYTES_MAX) throw unexpected(server, response.status, 'an answer too large to be the API');
  let body: unknown = null;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      throw unexpected(server, response.status, 'an answer that is not JSON');
    }
  }
  if (response.ok) return body;
  const problem = errorShapeOf(body);
  if (!problem) throw unexpected(server, response.status, 'an error without the API error shape');
  // 400: the request itself was malformed, a usage error; 5xx: the server could not answer, not a "no".
  const exitCode = response.status === 400 || response.status >= 500 ? EXIT_USAGE : EXIT_REFUSED;
  const retry =
    response.status >= 500 && idempotencyKey !== undefined
      ? `retry with --idempotency-key ${idempotencyKey} so that it cannot happen twice`
      : undefined;
  throw new WalletFailure(exitCode, problem, response.status === 401 ? LOGIN_HINT : retry);
}

const LOGIN_HINT = 'log in with: saoma wallet login --phone PHONE --password PASSWORD';

function errorShapeOf(body: unknown): WalletProblem | null {
  if (typeof body !== 'object' || body === null || !('error' in body)) return null;
  const error = (body as { error: unknown }).error as Partial<WalletProblem> | null;
  if (typeof error !== 'object' || error === null) return null;
  if (typeof error.code !== 'string' || typeof error.message !== 'string') return null;
  return {
    code: error.code,
    message: error.message,
    ...(typeof error.field === 'string' && { field: error.field }),
    ...(typeof error.details === 'object' && error.details !== null && { details: error.details }),
  };
}

function unreachable(server: string, error: unknown, idempotencyKey: string | undefined): WalletFailure {
  const reason = causeOf(error);
  // Sent but unanswered, the money may have moved: the same key makes a retry safe.
  const hint =
    idempotencyKey === undefined
      ? undefined
      : `if it was sent, retry with --idempotency-key ${idempotencyKey}: the server does it at most once`;
  return new WalletFailure(
    EXIT_USAGE,
    { code: 'server_unreachable', message: `cannot reach the server at ${server}: ${reason}` },
    hint,
  );
}

function causeOf(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND …) is in its cause.
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

function unexpected(server: string, status: number, what: string): WalletFailure {
  return new WalletFailure(EXIT_USAGE, {
    code: 'unexpected_answer',
    message: `${server} answered HTTP ${status} with ${what}: is it a Saoma server?`,
  });
}
