import { ProviderError } from '../errors/provider-error.js';
import { delay } from './abort.js';
import { backoffDelay, type RetryOptions } from './retry.js';

export interface RetryStreamOptions extends RetryOptions {
  /** A `retry-after` longer than this (seconds) is not waited out: the error is thrown. Default 10. */
  readonly maxRetryAfterSeconds?: number;
}

/**
 * Opens a stream with retries, but only until it yields its first item: a request that fails
 * before any output (429, 5xx, a connection error) is opened again after a backoff that
 * honours `retry-after`; once output has flowed, an error is thrown to the consumer (a
 * half-spoken answer is never silently restarted). Breaking out of the loop closes the stream.
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
      const wait = backoffDelay(attempt + 1, options, retryAfter);
      options.onRetry?.(error, attempt + 1, wait);
      await delay(wait, options.signal);
    }
  }
}
