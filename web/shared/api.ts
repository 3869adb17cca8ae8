// A small typed fetch client for Saoma's native API. Every answer becomes a value: the parsed body,
// or the API's error shape `{error:{code,message,field?,details?}}` as an ApiError — a network
// failure and a non-JSON answer too — so screens show the server's code and sentence, never a throw.

export interface ApiError {
  /** The HTTP status; 0 when the server could not be reached. */
  status: number;
  code: string;
  /** The server's sentence, shown to the user as it is. */
  message: string;
  /** For `invalid_request`: the failing field, as `body.amount`. */
  field?: string;
  /** Particulars of a refusal: which limit and how much is left, the balance … */
  details?: Record<string, unknown>;
}

export type ApiResult<Value> = { ok: true; status: number; value: Value } | { ok: false; error: ApiError };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | undefined>;
  /** Required by the API on every request that moves money; reuse it to retry the same operation. */
  idempotencyKey?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface ApiClient {
  request<Value>(method: HttpMethod, path: string, options?: RequestOptions): Promise<ApiResult<Value>>;
  get<Value>(path: string, options?: Omit<RequestOptions, 'body'>): Promise<ApiResult<Value>>;
  post<Value>(path: string, body?: unknown, options?: Omit<RequestOptions, 'body'>): Promise<ApiResult<Value>>;
  put<Value>(path: string, body?: unknown, options?: Omit<RequestOptions, 'body'>): Promise<ApiResult<Value>>;
  delete<Value>(path: string, options?: Omit<RequestOptions, 'body'>): Promise<ApiResult<Value>>;
}

export interface ApiClientOptions {
  /** '' (the default) calls the page's own origin, where `saoma serve` serves both the apps and the API. */
  baseUrl?: string;
  /** Called on every 401, e.g. to show the log-in screen. */
  onUnauthorized?: (error: ApiError) => void;
}

/** A fresh Idempotency-Key: one per operation the user starts, kept for its retries. */
export function newIdempotencyKey(): string {
  return `web-${crypto.randomUUID()}`;
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const baseUrl = options.baseUrl ?? '';
  const request = async <Value>(
    method: HttpMethod,
    path: string,
    requestOptions: RequestOptions = {},
  ): Promise<ApiResult<Value>> => {
    const headers: Record<string, string> = { accept: 'application/json', ...requestOptions.headers };
    if (requestOptions.body !== undefined) headers['content-type'] = 'application/json';
    if (requestOptions.idempotencyKey !== undefined) headers['idempotency-key'] = requestOptions.idempotencyKey;
    let response: Response;
    try {
      response = await fetch(baseUrl + path + queryString(requestOptions.query), {
        method,
        headers,
        credentials: 'same-origin',
        body: requestOptions.body === undefined ? undefined : JSON.stringify(requestOptions.body),
        signal: requestOptions.signal,
      });
    } catch (error) {
      return { ok: false, error: unreachable(error) };
    }
    const answered = await answerOf<Value>(response);
    if (!answered.ok && answered.error.status === 401) options.onUnauthorized?.(answered.error);
    return answered;
  };
  return {
    request,
    get: (path, rest) => request('GET', path, rest),
    post: (path, body, rest) => request('POST', path, { ...rest, body }),
    put: (path, body, rest) => request('PUT', path, { ...rest, body }),
    delete: (path, rest) => request('DELETE', path, rest),
  };
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const pairs = Object.entries(query).filter((pair): pair is [string, string] => pair[1] !== undefined);
  return pairs.length === 0 ? '' : `?${new URLSearchParams(pairs).toString()}`;
}

function unreachable(error: unknown): ApiError {
  const aborted = error instanceof DOMException && error.name === 'AbortError';
  return {
    status: 0,
    code: aborted ? 'aborted' : 'network_error',
    message: aborted ? 'the request was cancelled' : 'the server could not be reached; check the connection and retry',
  };
}

async function answerOf<Value>(response: Response): Promise<ApiResult<Value>> {
  const text = await response.text().catch(() => '');
  let body: unknown = undefined;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (response.ok) return { ok: true, status: response.status, value: (body ?? {}) as Value };
  return { ok: false, error: errorOf(response.status, body) };
}

function errorOf(status: number, body: unknown): ApiError {
  const shaped = (body as { error?: Partial<ApiError> } | undefined)?.error;
  if (shaped && typeof shaped.code === 'string' && typeof shaped.message === 'string') {
    return {
      status,
      code: shaped.code,
      message: shaped.message,
      ...(typeof shaped.field === 'string' && { field: shaped.field }),
      ...(shaped.details && typeof shaped.details === 'object' && { details: shaped.details }),
    };
  }
  return { status, code: status >= 500 ? 'internal_error' : 'http_error', message: `the server answered ${status}` };
}
