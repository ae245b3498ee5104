import { afterEach, describe, expect, it, vi } from 'vitest';
import { MULAW_8K } from '../../audio/audio-format.js';
import type { Engine, EngineConnectOptions, EngineSession } from '../../engine/engine.js';
import { ProviderError, ProviderTimeoutError } from '../../errors/provider-error.js';
import { RECONNECT_ATTEMPTS, RECONNECT_DEADLINE_MS, reconnectEngine } from './reconnect-engine.js';

const options: EngineConnectOptions = { instructions: '', tools: [], carrierFormat: MULAW_8K };
const session = {} as EngineSession;

/** An engine whose `connect` runs `attempt` (with the signal it was given) each time. */
function engine(attempt: (signal: AbortSignal) => Promise<EngineSession>): Engine & { readonly signals: AbortSignal[] } {
  const signals: AbortSignal[] = [];
  return {
    key: 'fake_engine',
    resumable: true,
    signals,
    connect: (o) => {
      signals.push(o.signal as AbortSignal);
      return attempt(o.signal as AbortSignal);
    },
  };
}

/** Rejects with the signal's reason once it aborts. */
const hang = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));

afterEach(() => {
  vi.useRealTimers();
});

describe('reconnectEngine', () => {
  it('tries again while the failures are retryable, up to RECONNECT_ATTEMPTS, and resolves with the first session', async () => {
    let calls = 0;
    const flaky = engine(async () => {
      if (++calls < RECONNECT_ATTEMPTS) throw new ProviderError('fake_engine', 'refused', { retryable: true });
      return session;
    });
    expect(await reconnectEngine(flaky, options, new AbortController().signal)).toBe(session);
    expect(calls).toBe(RECONNECT_ATTEMPTS);

    let failures = 0;
    const down = engine(async () => {
      failures++;
      throw new ProviderError('fake_engine', 'refused', { retryable: true });
    });
    await expect(reconnectEngine(down, options, new AbortController().signal)).rejects.toThrow('refused');
    expect(failures).toBe(RECONNECT_ATTEMPTS);
  });

  it('stops at the first failure that is not retryable', async () => {
    let calls = 0;
    const refused = engine(async () => {
      calls++;
      throw new ProviderError('fake_engine', 'bad key', { retryable: false });
    });
    await expect(reconnectEngine(refused, options, new AbortController().signal)).rejects.toThrow('bad key');
    expect(calls).toBe(1);
  });

  it('stops at once when the call ends, aborting the connect in flight', async () => {
    const call = new AbortController();
    const slow = engine(hang);
    const attempt = reconnectEngine(slow, options, call.signal);
    call.abort(new Error('call ended'));
    await expect(attempt).rejects.toThrow('call ended');
    expect(slow.signals[0]?.aborted).toBe(true);
  });

  it('gives up after RECONNECT_DEADLINE_MS with a timeout error, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    const slow = engine(hang);
    const attempt = reconnectEngine(slow, options, new AbortController().signal);
    const outcome = attempt.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(RECONNECT_DEADLINE_MS);
    expect(await outcome).toBeInstanceOf(ProviderTimeoutError);
    expect(slow.signals).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
