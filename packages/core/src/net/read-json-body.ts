import { ProviderConnectionError, ProviderError } from '../errors/provider-error.js';
import { isAbortError } from '../util/abort.js';
import type { HttpResponse } from './http-request.js';

/**
 * Reads a response body as a JSON object. A body that is not JSON (a proxy's HTML page, a cut
 * connection) becomes a retryable `ProviderError` carrying the first 200 characters, not a `SyntaxError`.
 */
export async function readJsonBody<T extends object = Record<string, unknown>>(response: HttpResponse, provider: string): Promise<T> {
  let text: string;
  try {
    text = await response.body.text();
  } catch (cause) {
    if (isAbortError(cause)) throw cause;
    throw new ProviderConnectionError(provider, 'response body interrupted', { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ProviderError(provider, 'response is not JSON', { cause, retryable: true, body: text.slice(0, 200) });
  }
  if (typeof value !== 'object' || value === null) {
    throw new ProviderError(provider, 'response is not a JSON object', { retryable: true, body: text.slice(0, 200) });
  }
  return value as T;
}
