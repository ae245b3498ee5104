import { ProviderError } from '../errors/provider-error.js';
import { delay, isAbortError } from './abort.js';
import { backoffDelay, type RetryOptions } from './retry.js';
import { reportProvider } from '../telemetry/provider-signals.js';

export interface RetryStreamOptions extends RetryOptions {
  /** A `retry-after` longer than this (seconds) is not waited out: the error is thrown. Default 10. */
  readonly maxRetryAfterSeconds?: number;
  /** End the stream without an error when `signal` aborts (barge-in is not a failure). Default false. */
  readonly quietOnAbort?: boolean;
}

/**
 * Opens a stream with retries, but only until it yields its first item: a request that fails
 * before any output (429, 5xx, a connection error) is opened again after a backoff that
 * honours `retry-after`; once output has flowed, an error is thrown to the consumer (a
 * half-spoken answer is never silently restarted). Breaking out of the loop closes the stream.
 * Retry policy defaults: 2 retries, 250 ms–2 s backoff.
 */
export async function* retryStream<T>(open: (attempt: number) => AsyncIterable<T>, options: RetryStreamOptions = {}): AsyncGenerator<T> {
  const retries = options.retries ?? 2;
  const maxRetryAfter = options.maxRetryAfterSeconds ?? 10;
  const shouldRetry = options.shouldRetry ?? ((err: unknown) => ProviderError.isProviderError(err) && err.retryable);
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    let started = false;
    try {
      for await (const item of open(attempt)) {
        started = true;
        yield item;
      }
      return;
    } catch (error) {
      if (options.quietOnAbort && options.signal?.aborted && (isAbortError(error) || error === options.signal.reason)) return;
      const retryAfter = ProviderError.isProviderError(error) ? error.retryAfter : undefined;
      if (
        started ||
        options.signal?.aborted ||
        attempt >= retries ||
        (retryAfter !== undefined && retryAfter > maxRetryAfter) ||
        !shouldRetry(error, attempt + 1)
      ) {
        throw error;
      }
      const wait = backoffDelay(attempt + 1, { minDelayMs: 250, maxDelayMs: 2000, ...options }, retryAfter);
      options.onRetry?.(error, attempt + 1, wait);
      reportProvider('retry', error);
      try {
        await delay(wait, options.signal);
      } catch (abort) {
        if (options.quietOnAbort) return;
        throw abort;
      }
    }
  }
}
