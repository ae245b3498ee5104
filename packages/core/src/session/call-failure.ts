import { PatterError } from '../errors/patter-error.js';
import { ProviderError } from '../errors/provider-error.js';

/** Why a call failed, as people see it (the dev phone, `onCallEnd`). */
export interface CallFailure {
  /** The provider key (`deepgram`, `openai_realtime` …) when a vendor failed. */
  readonly provider?: string;
  /**
   * What went wrong: the error's message without the provider prefix, with URL credentials, query
   * strings, bearer/token values and key-like strings removed; at most 300 characters.
   */
  readonly message: string;
}

const MAX_CHARS = 300;
const UNEXPECTED = 'unexpected error (details in the server log)';

/**
 * A failure for display. Only our own errors (`PatterError` and its `ProviderError`s, whose
 * messages are written to be shown) give their message; anything else, e.g. a bug in the user's
 * code, may carry anything, so it says only that it happened.
 */
export function describeCallFailure(error: unknown): CallFailure {
  if (ProviderError.isProviderError(error)) {
    const prefix = `${error.provider}: `;
    const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    return { provider: error.provider, message: scrub(message) };
  }
  if (PatterError.is(error)) return { message: scrub(error.message) };
  return { message: UNEXPECTED };
}

function scrub(message: string): string {
  const clean = message
    .replace(/(\b[a-z][a-z\d+.-]*:\/\/)[^\s/@]*@/gi, '$1') // user:password@
    .replace(/(\b[a-z][a-z\d+.-]*:\/\/[^\s?#]*)[?#]\S*/gi, '$1') // query strings carry keys (?token=, ?key=)
    .replace(/\b(bearer|token|basic)\s+[\w.~+/=-]+/gi, '$1 [redacted]')
    .replace(/\b(api[_-]?key|key|token|secret|password|authorization)(["']?\s*[:=]\s*["']?)[^\s"'&,;]+/gi, '$1$2[redacted]')
    .replace(/\b[\w-]{32,}\b/g, '[redacted]');
  return clean.length > MAX_CHARS ? `${clean.slice(0, MAX_CHARS - 1)}…` : clean;
}
