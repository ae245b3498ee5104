import { ProviderError, type ProviderErrorOptions } from '../errors/provider-error.js';

/**
 * A TTS stream failed after audio had already been emitted. Never retried (the caller has
 * played part of the utterance); `bytesEmitted` says how much audio went out before the failure.
 */
export class TTSStreamError extends ProviderError {
  readonly bytesEmitted: number;

  constructor(provider: string, bytesEmitted: number, options: Omit<ProviderErrorOptions, 'retryable'> = {}) {
    super(provider, `audio stream failed after ${bytesEmitted} bytes of audio`, { ...options, retryable: false });
    this.bytesEmitted = bytesEmitted;
  }
}
