import { PatterError, type PatterErrorOptions } from './patter-error.js';

export interface ProviderErrorOptions extends PatterErrorOptions {
  readonly status?: number;
  readonly retryable?: boolean;
  /** Vendor's error body or code, already free of secrets. */
  readonly body?: unknown;
  /** Seconds the vendor asked us to wait (`retry-after`). */
  readonly retryAfter?: number;
}

/** A vendor failed. `provider` is the provider key (`deepgram`, `elevenlabs_ws` …). */
export class ProviderError extends PatterError {
  readonly provider: string;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly body: unknown;
  readonly retryAfter: number | undefined;

  constructor(provider: string, message: string, options: ProviderErrorOptions = {}) {
    super(`${provider}: ${message}`, options);
    this.provider = provider;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
    this.body = options.body;
    this.retryAfter = options.retryAfter;
  }

  static isProviderError(value: unknown): value is ProviderError {
    return PatterError.is(value) && 'provider' in value && 'retryable' in value;
  }
}

/** The vendor answered with an error status. 408, 409, 429 and 5xx are retryable. */
export class ProviderStatusError extends ProviderError {
  constructor(provider: string, status: number, message: string, options: Omit<ProviderErrorOptions, 'status'> = {}) {
    super(provider, `${message} (HTTP ${status})`, {
      retryable: isRetryableStatus(status),
      ...options,
      status,
    });
  }
}

/** Could not reach the vendor, or the connection dropped. Retryable. */
export class ProviderConnectionError extends ProviderError {
  constructor(provider: string, message: string, options: ProviderErrorOptions = {}) {
    super(provider, message, { retryable: true, ...options });
  }
}

/** The vendor did not answer in time. Retryable. */
export class ProviderTimeoutError extends ProviderError {
  constructor(provider: string, message: string, options: ProviderErrorOptions = {}) {
    super(provider, message, { retryable: true, ...options });
  }
}

/** 401/403: the key is wrong or missing. Never retried; the message names the env var. */
export class ProviderAuthError extends ProviderStatusError {
  constructor(provider: string, status: number, envVar: string | undefined, options: Omit<ProviderErrorOptions, 'status'> = {}) {
    super(
      provider,
      status,
      envVar ? `authentication failed; check ${envVar} or the apiKey option` : 'authentication failed',
      { ...options, retryable: false },
    );
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status === 499 || status >= 500;
}
