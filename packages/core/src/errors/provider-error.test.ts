import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { PatterError } from './patter-error.js';
import {
  ProviderAuthError,
  ProviderConnectionError,
  ProviderError,
  ProviderStatusError,
  ProviderTimeoutError,
  isRetryableStatus,
} from './provider-error.js';

describe('errors', () => {
  it('form one hierarchy under PatterError, each named after its class', () => {
    const errors = [
      new ConfigError('voice', 'unknown voice'),
      new ProviderError('deepgram', 'boom'),
      new ProviderStatusError('deepgram', 500, 'server error'),
      new ProviderAuthError('deepgram', 401, 'DEEPGRAM_API_KEY'),
      new ProviderConnectionError('deepgram', 'reset'),
      new ProviderTimeoutError('deepgram', 'no answer'),
    ];
    for (const e of errors) {
      expect(e).toBeInstanceOf(PatterError);
      expect(e).toBeInstanceOf(Error);
      expect(PatterError.is(e)).toBe(true);
      expect(e.name).toBe(e.constructor.name);
    }
    expect(errors.slice(1).every((e) => ProviderError.isProviderError(e))).toBe(true);
    expect(ProviderError.isProviderError(errors[0])).toBe(false);
    expect(PatterError.is(new Error('plain'))).toBe(false);
  });

  it('are recognised across duplicate copies of core (Symbol.for marker, not instanceof)', () => {
    // What another copy of @patter/core would throw: same marker symbol, a different class.
    const foreign = Object.assign(new Error('deepgram: dropped'), {
      [Symbol.for('patter.error')]: true,
      provider: 'deepgram',
      retryable: true,
    });
    expect(foreign).not.toBeInstanceOf(PatterError);
    expect(PatterError.is(foreign)).toBe(true);
    expect(ProviderError.isProviderError(foreign)).toBe(true);
  });

  it('carry provider, status, retryability, retry-after and cause', () => {
    const cause = new Error('socket hang up');
    const e = new ProviderStatusError('elevenlabs_ws', 429, 'rate limited', { retryAfter: 2, body: { code: 'quota' }, cause });
    expect(e).toMatchObject({ provider: 'elevenlabs_ws', status: 429, retryable: true, retryAfter: 2, body: { code: 'quota' } });
    expect(e.cause).toBe(cause);
    expect(e.message).toBe('elevenlabs_ws: rate limited (HTTP 429)');
  });

  it('derive retryable from the status: 408/409/429/499 and 5xx retry, other 4xx do not', () => {
    const retryable = [400, 401, 403, 404, 408, 409, 413, 422, 429, 499, 500, 502, 503, 504].filter(isRetryableStatus);
    expect(retryable).toEqual([408, 409, 429, 499, 500, 502, 503, 504]);
    expect(new ProviderStatusError('x', 404, 'not found').retryable).toBe(false);
    expect(new ProviderStatusError('x', 503, 'busy').retryable).toBe(true);
    expect(new ProviderStatusError('x', 500, 'bad model', { retryable: false }).retryable).toBe(false);
  });

  it('connection and timeout errors retry; auth errors never do and name the env var', () => {
    expect(new ProviderConnectionError('x', 'refused').retryable).toBe(true);
    expect(new ProviderTimeoutError('x', 'slow').retryable).toBe(true);
    const auth = new ProviderAuthError('deepgram', 401, 'DEEPGRAM_API_KEY', { retryable: true });
    expect(auth).toBeInstanceOf(ProviderStatusError);
    expect(auth.retryable).toBe(false);
    expect(auth.message).toContain('DEEPGRAM_API_KEY');
  });

});
