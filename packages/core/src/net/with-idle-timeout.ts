import { ProviderTimeoutError } from '../errors/provider-error.js';
import { StreamIdleTimeoutError } from '../errors/stream-idle-timeout-error.js';

export interface IdleTimeoutOptions {
  /** Provider key, named in the error. */
  readonly provider: string;
  /** The longest wait for the next item (the first one too). 0 or Infinity: no timeout. */
  readonly idleTimeoutMs: number;
  /** Called once when the timer fires, before the error is thrown: destroy the request or socket. */
  readonly onTimeout?: () => void;
}

/**
 * Passes `source` through, failing with `StreamIdleTimeoutError` (naming the provider) when the
 * next item does not arrive within `idleTimeoutMs`. The clock runs only while waiting on the
 * source, never while the consumer holds an item (a slow consumer is not a stalled vendor).
 * One timer per stream, re-armed per item without allocating, cleared however the stream ends.
 */
export async function* withIdleTimeout<T>(source: AsyncIterable<T>, options: IdleTimeoutOptions): AsyncGenerator<T, void, undefined> {
  const { idleTimeoutMs } = options;
  if (!(idleTimeoutMs > 0 && Number.isFinite(idleTimeoutMs))) {
    yield* source;
    return;
  }
  const iterator = source[Symbol.asyncIterator]();
  let waiting = false;
  let stall: StreamIdleTimeoutError | undefined;
  let fire: (error: StreamIdleTimeoutError) => void = () => {};
  const stalled = new Promise<never>((_resolve, reject) => {
    fire = reject;
  });
  stalled.catch(() => {});
  const timer = setTimeout(() => {
    // Fired while the consumer held an item: re-armed when the next wait starts.
    if (!waiting) return;
    stall = new StreamIdleTimeoutError(options.provider, idleTimeoutMs);
    fire(stall);
    options.onTimeout?.();
  }, idleTimeoutMs);
  timer.unref();
  let finished = false;
  try {
    for (;;) {
      timer.refresh();
      waiting = true;
      const result = await Promise.race([iterator.next(), stalled]);
      waiting = false;
      // Destroying the source may settle its pending read first (as done or as an error): the stall wins.
      if (stall) throw stall;
      if (result.done) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } catch (error) {
    finished = stall === undefined;
    throw error;
  } finally {
    waiting = false;
    clearTimeout(timer);
    // Stopped early (consumer broke out, or the stall): release the source without waiting on it.
    if (!finished) iterator.return?.()?.catch(() => {});
  }
}

/**
 * The wait for a streamed response's headers (its first byte): `timeoutMs` when the user set
 * one, else the idle timeout (`stall`: running out of it is a stall like a quiet body), else `fallbackMs`.
 */
export function headersTimeout(timeoutMs: number | undefined, idleTimeoutMs: number, fallbackMs: number): { readonly ms: number; readonly stall: boolean } {
  if (timeoutMs !== undefined) return { ms: timeoutMs, stall: false };
  if (idleTimeoutMs > 0 && Number.isFinite(idleTimeoutMs)) return { ms: idleTimeoutMs, stall: true };
  return { ms: fallbackMs, stall: false };
}

/** A headers timeout taken from the idle timeout becomes a `StreamIdleTimeoutError`; other errors pass. */
export function stallOnHeadersTimeout(error: unknown, provider: string, wait: { readonly ms: number; readonly stall: boolean }): unknown {
  if (!wait.stall || !(error instanceof ProviderTimeoutError) || error instanceof StreamIdleTimeoutError) return error;
  return new StreamIdleTimeoutError(provider, wait.ms, { cause: error });
}
