import { ProviderError } from '../errors/provider-error.js';
import { delay } from './abort.js';
import { reportProvider } from '../telemetry/provider-signals.js';

/** Retry policy, as data. */
export interface RetryOptions {
  /** Attempts after the first. Default 3. */
  readonly retries?: number;
  /** First backoff in ms. Default 250. */
  readonly minDelayMs?: number;
  /** Backoff cap in ms. Default 4000. */
  readonly maxDelayMs?: number;
  /** Full jitter when true (default): the wait is random in [0, backoff]. */
  readonly jitter?: boolean;
  readonly signal?: AbortSignal;
  /** Decides whether to retry; default: `ProviderError.retryable`. */
  readonly shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Called before each wait (for a log line). */
  readonly onRetry?: (error: unknown, attempt: number, waitMs: number) => void;
}

/** The backoff before retry number `attempt` (1-based), honouring `retry-after` when given. */
export function backoffDelay(attempt: number, options: RetryOptions = {}, retryAfterSeconds?: number): number {
  const min = options.minDelayMs ?? 250;
  const max = options.maxDelayMs ?? 4000;
  if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0) {
    return Math.min(retryAfterSeconds * 1000, Math.max(max, 30_000));
  }
  const exp = Math.min(max, min * 2 ** (attempt - 1));
  return options.jitter === false ? exp : Math.random() * exp;
}

/**
 * Runs `fn` until it succeeds, the error is not retryable, retries run out or the signal
 * aborts (then the abort reason is thrown at once, without waiting out the backoff).
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 3;
  const shouldRetry = options.shouldRetry ?? ((err: unknown) => ProviderError.isProviderError(err) && err.retryable);
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (error) {
      if (options.signal?.aborted || attempt >= retries || !shouldRetry(error, attempt + 1)) throw error;
      const retryAfter = ProviderError.isProviderError(error) ? error.retryAfter : undefined;
      const wait = backoffDelay(attempt + 1, options, retryAfter);
      options.onRetry?.(error, attempt + 1, wait);
      reportProvider('retry', error);
      await delay(wait, options.signal);
    }
  }
}

/** Parses a `retry-after` header (seconds or HTTP date) into seconds. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}
