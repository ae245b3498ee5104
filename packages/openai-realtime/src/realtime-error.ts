import { ProviderAuthError, ProviderError, ProviderStatusError } from '@patter/core';

export const PROVIDER = 'openai_realtime';

interface WireError {
  readonly type?: string;
  readonly code?: string | null;
  readonly message?: string;
  readonly param?: string | null;
}

/** Errors after which the session cannot go on. */
const FATAL_CODES = new Set([
  'beta_api_shape_disabled',
  'invalid_api_key',
  'model_not_found',
  'session_expired',
  'insufficient_quota',
]);

/**
 * Turns a Realtime `error` event into a typed error with a message that says exactly what the
 * server refused (the beta shape, an unknown parameter, …). Only a few codes end the session;
 * "most errors are recoverable and the session will stay open".
 */
export function realtimeError(error: WireError | undefined): { error: ProviderError; fatal: boolean } {
  const code = error?.code ?? undefined;
  const detail = error?.message ?? 'unknown error';
  let message: string;
  if (code === 'beta_api_shape_disabled') {
    message = 'OpenAI refused the beta Realtime wire shape (beta_api_shape_disabled); this client speaks the GA shape, so a proxy or an old server is in the way';
  } else if (code === 'unknown_parameter') {
    message = `OpenAI rejected an unknown session parameter${error?.param ? ` "${error.param}"` : ''} (unknown_parameter): ${detail}`;
  } else {
    message = `server error${code ? ` ${code}` : ''}: ${detail}`;
  }
  const fatal = code !== undefined && FATAL_CODES.has(code);
  if (code === 'invalid_api_key') {
    return { error: new ProviderAuthError(PROVIDER, 401, 'OPENAI_API_KEY', { body: { ...error } }), fatal };
  }
  return {
    error: new ProviderError(PROVIDER, message, { retryable: false, body: { ...error } }),
    fatal,
  };
}

/** The socket closed without us asking. Close code 4000 is how OpenAI ends a refused session. */
export function closedError(code: number, reason: string): ProviderError {
  const why = reason ? `: ${reason}` : '';
  if (code === 4000) return new ProviderStatusError(PROVIDER, 400, `session refused by the server (close 4000${why})`, { retryable: false });
  return new ProviderError(PROVIDER, `connection closed unexpectedly (close ${code}${why})`, { retryable: true });
}
