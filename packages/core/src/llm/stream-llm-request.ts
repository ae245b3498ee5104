import { ProviderError } from '../errors/provider-error.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { httpRequest, type HttpResponse } from '../net/http-request.js';
import { headersTimeout, stallOnHeadersTimeout, withIdleTimeout } from '../net/with-idle-timeout.js';
import { retryStream } from '../util/retry-stream.js';
import type { LLMDelta } from './llm-provider.js';

/** Default `idleTimeoutMs` of an LLM event stream. */
export const DEFAULT_LLM_IDLE_TIMEOUT_MS = 10_000;

export interface StreamLLMRequestOptions {
  /** Provider key, for errors and logs. */
  readonly provider: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  /** The JSON request body. */
  readonly body: Record<string, unknown>;
  /** Reads the streamed response body into deltas (the vendor's event format). */
  readonly read: (body: AsyncIterable<Uint8Array>, logger: Logger) => AsyncIterable<LLMDelta>;
  readonly signal?: AbortSignal | undefined;
  readonly logger?: Logger | undefined;
  readonly callId?: string | undefined;
  /** Named in the auth error on a 401/403. */
  readonly apiKeyEnv?: string | undefined;
  /** Retries before the first delta. Default 2. */
  readonly maxRetries?: number | undefined;
  /** Time to the response headers. Default: `idleTimeoutMs` (a stall), or 30 s when that is off. */
  readonly timeoutMs?: number | undefined;
  /**
   * The longest silence of the event stream, before its first byte and between two: then the
   * request is aborted with `StreamIdleTimeoutError` (not retried here). Default 10 s; 0 disables.
   */
  readonly idleTimeoutMs?: number | undefined;
  /** Extra veto on a retryable error (a quota error is retryable by status but not by meaning). */
  readonly shouldRetry?: ((error: ProviderError) => boolean) | undefined;
  /** The response header that names the request (`x-request-id` …): its value goes to `onRequestId`. */
  readonly requestIdHeader?: string | undefined;
  /** Called with the request's id (`requestIdHeader`), when the response carries it. */
  readonly onRequestId?: ((requestId: string) => void) | undefined;
}

/**
 * One streaming LLM request: POST the JSON body, read the event stream with `read`, retry a
 * request that failed before its first delta (429, 5xx, connection; honouring `retry-after`),
 * and end quietly when `signal` aborts (the HTTP request is destroyed at once). An event
 * stream that goes quiet for `idleTimeoutMs` is aborted with `StreamIdleTimeoutError`.
 */
export function streamLLMRequest(options: StreamLLMRequestOptions): AsyncGenerator<LLMDelta> {
  const logger = options.logger ?? silentLogger;
  const { signal } = options;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_LLM_IDLE_TIMEOUT_MS;
  const wait = headersTimeout(options.timeoutMs, idleTimeoutMs, 30_000);
  const open = async function* (): AsyncGenerator<LLMDelta> {
    let response: HttpResponse;
    try {
      response = await httpRequest(options.url, {
        provider: options.provider,
        headers: { ...options.headers, accept: 'text/event-stream' },
        body: options.body,
        timeoutMs: wait.ms,
        ...(signal ? { signal } : {}),
        ...(options.apiKeyEnv ? { apiKeyEnv: options.apiKeyEnv } : {}),
      });
    } catch (error) {
      throw stallOnHeadersTimeout(error, options.provider, wait);
    }
    const requestId = options.requestIdHeader === undefined ? undefined : response.headers[options.requestIdHeader];
    if (typeof requestId === 'string' && requestId !== '') options.onRequestId?.(requestId);
    const body = withIdleTimeout(response.body, {
      provider: options.provider,
      idleTimeoutMs,
      onTimeout: () => response.body.destroy(),
    });
    yield* options.read(body, logger);
  };
  return retryStream(open, {
    retries: options.maxRetries ?? 2,
    quietOnAbort: true,
    ...(signal ? { signal } : {}),
    shouldRetry: (err) => ProviderError.isProviderError(err) && err.retryable && (options.shouldRetry?.(err) ?? true),
    onRetry: (err, attempt, waitMs) => logger.warn({ err, attempt, waitMs, provider: options.provider, callId: options.callId }, 'llm request failed, retrying'),
  });
}
