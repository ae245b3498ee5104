import { ProviderError } from '../errors/provider-error.js';
import { isAbortError } from '../util/abort.js';

/**
 * Whether a provider's failure hands the request to the next provider: a connection error, a
 * timeout, an auth error (401/403: this vendor's key, not the request), 408/409/429 or a 5xx. A
 * request the vendor rejects as malformed (other 4xx) would fail everywhere and is not retried;
 * nor is a caller's abort. An error that is not a `ProviderError` (a plugin bug, a bare socket
 * error) fails over too: the call must go on.
 */
export function shouldFailOver(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted || isAbortError(error)) return false;
  if (!ProviderError.isProviderError(error)) return true;
  if (error.retryable) return true;
  const status = error.status;
  return status === undefined || status === 401 || status === 403 || status >= 500;
}
