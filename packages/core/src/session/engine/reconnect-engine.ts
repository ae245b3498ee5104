import type { Engine, EngineConnectOptions, EngineSession } from '../../engine/engine.js';
import { ProviderTimeoutError } from '../../errors/provider-error.js';
import { retry } from '../../util/retry.js';

/** Attempts to reconnect a dropped engine session (the first included). */
export const RECONNECT_ATTEMPTS = 3;
/** All attempts, backoff included, must succeed within this long. */
export const RECONNECT_DEADLINE_MS = 5_000;

/**
 * Connects `engine` again after its session dropped: up to `RECONNECT_ATTEMPTS` attempts with
 * jittered backoff (≤ 250 ms, then ≤ 500 ms), only while the failures are retryable, all within
 * `RECONNECT_DEADLINE_MS`. `signal` (the call ending) stops it at once; the deadline timer is
 * cleared however it ends, and the signal given to `connect` aborts when either does.
 */
export async function reconnectEngine(engine: Engine, options: EngineConnectOptions, signal: AbortSignal): Promise<EngineSession> {
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new ProviderTimeoutError(engine.key, `no session within ${RECONNECT_DEADLINE_MS} ms of reconnecting`)),
    RECONNECT_DEADLINE_MS,
  );
  const bounded = AbortSignal.any([signal, deadline.signal]);
  try {
    return await retry(() => engine.connect({ ...options, signal: bounded }), {
      retries: RECONNECT_ATTEMPTS - 1,
      minDelayMs: 250,
      maxDelayMs: 1_000,
      signal: bounded,
    });
  } finally {
    clearTimeout(timer);
  }
}
