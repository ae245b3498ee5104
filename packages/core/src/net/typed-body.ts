import { ProviderConnectionError, ProviderError } from '../errors/provider-error.js';
import { isAbortError } from '../util/abort.js';

/**
 * Passes a response body through, turning a connection that dies mid-body (undici's
 * `SocketError: other side closed`, a reset) into a retryable `ProviderConnectionError` so
 * callers see one error family. Aborts and `ProviderError`s pass unchanged.
 */
export async function* typedBody<T>(body: AsyncIterable<T>, provider: string): AsyncGenerator<T> {
  try {
    for await (const chunk of body) yield chunk;
  } catch (error) {
    if (isAbortError(error) || ProviderError.isProviderError(error)) throw error;
    throw new ProviderConnectionError(provider, 'response body interrupted', { cause: error });
  }
}
