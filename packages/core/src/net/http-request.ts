import { FormData, request, type Dispatcher } from 'undici';
import {
  ProviderAuthError,
  ProviderConnectionError,
  ProviderStatusError,
  ProviderTimeoutError,
} from '../errors/provider-error.js';
import { isAbortError } from '../util/abort.js';
import { parseRetryAfter } from '../util/retry.js';

export interface HttpRequestOptions {
  /** Provider key, for error messages. */
  readonly provider: string;
  readonly method?: Dispatcher.HttpMethod;
  readonly headers?: Record<string, string>;
  /** A string, bytes, multipart `FormData` (undici's), or an object sent as JSON (sets content-type). */
  readonly body?: string | Uint8Array | FormData | Record<string, unknown> | readonly unknown[];
  readonly signal?: AbortSignal;
  /** Time to the response headers. Default 30 s. */
  readonly timeoutMs?: number;
  /** Named in the error when the vendor answers 401/403. */
  readonly apiKeyEnv?: string;
  readonly dispatcher?: Dispatcher;
  /**
   * How many bytes of the response body undici buffers ahead of the reader before it stops reading
   * the socket. Default: undici's, 64 KiB.
   */
  readonly highWaterMark?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The streaming body: iterate it for chunks, or call `text()` / `json()`. */
  readonly body: Dispatcher.ResponseData['body'];
}

/**
 * One HTTP request on undici with a streaming body. A non-2xx answer throws a typed error
 * carrying the status, `retry-after` and the first 1 kB of the body (401/403 →
 * `ProviderAuthError` naming the env var); network failures → `ProviderConnectionError`;
 * the header timeout → `ProviderTimeoutError`. An abort rejects with the abort reason and
 * destroys the socket's request at once.
 */
export async function httpRequest(url: string, options: HttpRequestOptions): Promise<HttpResponse> {
  const { provider } = options;
  const headers: Record<string, string> = { ...options.headers };
  let body: Uint8Array | FormData | null = null;
  if (options.body instanceof Uint8Array || options.body instanceof FormData) body = options.body;
  else if (typeof options.body === 'string') body = ownBytes(options.body);
  else if (options.body !== undefined) {
    body = ownBytes(JSON.stringify(options.body));
    headers['content-type'] ??= 'application/json';
  }
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, {
      method: options.method ?? (body === null ? 'GET' : 'POST'),
      headers,
      body,
      signal: options.signal ?? null,
      headersTimeout: options.timeoutMs ?? 30_000,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      ...(options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }),
    });
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason ?? error;
    if (isAbortError(error)) throw error;
    const code = (error as { code?: string }).code;
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      throw new ProviderTimeoutError(provider, 'request timed out', { cause: error });
    }
    throw new ProviderConnectionError(provider, `request failed: ${(error as Error).message}`, { cause: error });
  }
  const { statusCode: status } = response;
  if (status >= 200 && status < 300) return { status, headers: response.headers, body: response.body };

  const text = (await response.body.text().catch(() => '')).slice(0, 1000);
  const retryAfter = retryAfterOf(response.headers);
  if (status === 401 || status === 403) throw new ProviderAuthError(provider, status, options.apiKeyEnv, { body: text });
  // `x-should-retry` (OpenAI and compatible servers) overrides what the status suggests.
  const shouldRetry = header(response.headers, 'x-should-retry');
  throw new ProviderStatusError(provider, status, 'request failed', {
    body: text,
    ...(retryAfter === undefined ? {} : { retryAfter }),
    ...(shouldRetry === 'true' || shouldRetry === 'false' ? { retryable: shouldRetry === 'true' } : {}),
  });
}

const encoder = new TextEncoder();

/**
 * A text body as bytes of its own. undici turns a string body into `Buffer.from(text)`, which for
 * a short text is a slice of Node's shared 8 KB buffer pool, and keeps it until the response ends:
 * a TTS request's few hundred bytes held a whole 8 KB slab for as long as the sentence streamed.
 */
function ownBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Seconds to wait before a retry: `retry-after-ms` (OpenAI) when valid, else `retry-after`. */
function retryAfterOf(headers: HttpResponse['headers']): number | undefined {
  const ms = Number(header(headers, 'retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms / 1000;
  return parseRetryAfter(header(headers, 'retry-after'));
}

/** Reads one header as a string (first value when repeated). */
export function header(headers: HttpResponse['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
