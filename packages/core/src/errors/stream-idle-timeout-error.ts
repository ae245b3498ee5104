import { ProviderTimeoutError, type ProviderErrorOptions } from './provider-error.js';

/**
 * A vendor's streamed response went quiet: no byte (or message) for `idleMs`, before the first
 * one or between two. The request was aborted. Not retried by the provider's own retry loop
 * (`retryable` is false) so the wait stays bounded; the call session retries a stalled request
 * once when nothing of it was spoken yet, and otherwise ends the sentence and goes on.
 */
export class StreamIdleTimeoutError extends ProviderTimeoutError {
  readonly idleMs: number;

  constructor(provider: string, idleMs: number, options: Omit<ProviderErrorOptions, 'retryable'> = {}) {
    super(provider, `stream stalled: nothing received for ${idleMs} ms`, { ...options, retryable: false });
    this.idleMs = idleMs;
  }

  /** True for a `StreamIdleTimeoutError`, or an error caused by one (e.g. a `TTSStreamError`). Works across copies of core. */
  static isStall(value: unknown): boolean {
    for (let error = value, depth = 0; depth < 3 && typeof error === 'object' && error !== null; depth++) {
      if ((error as { name?: unknown }).name === 'StreamIdleTimeoutError') return true;
      error = (error as { cause?: unknown }).cause;
    }
    return false;
  }
}
