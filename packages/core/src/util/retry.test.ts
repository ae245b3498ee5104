import { describe, expect, it, vi } from 'vitest';
import { ProviderConnectionError, ProviderStatusError } from '../errors/provider-error.js';
import { backoffDelay, parseRetryAfter, retry } from './retry.js';

describe('retry', () => {
  it('retries retryable provider errors and returns the first success', async () => {
    const fn = vi
      .fn<(attempt: number) => Promise<string>>()
      .mockRejectedValueOnce(new ProviderConnectionError('x', 'dropped'))
      .mockRejectedValueOnce(new ProviderStatusError('x', 503, 'busy'))
      .mockResolvedValueOnce('ok');
    await expect(retry(fn, { minDelayMs: 1, maxDelayMs: 2 })).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('does not retry a non-retryable status', async () => {
    const fn = vi.fn(async () => {
      throw new ProviderStatusError('x', 400, 'bad request');
    });
    await expect(retry(fn, { minDelayMs: 1 })).rejects.toMatchObject({ status: 400, retryable: false });
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('gives up after the configured retries', async () => {
    const fn = vi.fn(async () => {
      throw new ProviderConnectionError('x', 'down');
    });
    await expect(retry(fn, { retries: 2, minDelayMs: 1, maxDelayMs: 1 })).rejects.toBeInstanceOf(ProviderConnectionError);
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('waits what retry-after says', async () => {
    const waits: number[] = [];
    const fn = vi
      .fn<(attempt: number) => Promise<string>>()
      .mockRejectedValueOnce(new ProviderStatusError('x', 429, 'slow down', { retryAfter: 0.05 }))
      .mockResolvedValueOnce('ok');
    const started = Date.now();
    await retry(fn, { onRetry: (_e, _a, wait) => waits.push(wait) });
    expect(waits).toEqual([50]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('stops waiting as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const fn = vi.fn(async () => {
      throw new ProviderConnectionError('x', 'down');
    });
    const started = Date.now();
    const pending = retry(fn, { minDelayMs: 10_000, jitter: false, signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('grows the backoff exponentially up to the cap, with full jitter below it', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, { minDelayMs: 100, maxDelayMs: 1000, jitter: false }))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    for (let i = 0; i < 50; i++) expect(backoffDelay(3, { minDelayMs: 100 })).toBeLessThanOrEqual(400);
  });

  it('parses retry-after as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
