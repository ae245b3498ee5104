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
 * One timer per stream, re-armed per item (`refresh()`), cleared however the stream ends.
 */
export async function* withIdleTimeout<T>(source: AsyncIterable<T>, options: IdleTimeoutOptions): AsyncGenerator<T, void, undefined> {
  const { idleTimeoutMs } = options;
  if (!(idleTimeoutMs > 0 && Number.isFinite(idleTimeoutMs))) {
    yield* source;
    return;
  }
  const iterator = source[Symbol.asyncIterator]();
  let stall: StreamIdleTimeoutError | undefined;
  /** Rejects the wait in progress; unset while the consumer holds an item. */
  let rejectWait: ((error: unknown) => void) | undefined;
  const timer = setTimeout(() => {
    // Fired while the consumer held an item: re-armed when the next wait starts.
    const reject = rejectWait;
    if (!reject) return;
    rejectWait = undefined;
    stall = new StreamIdleTimeoutError(options.provider, idleTimeoutMs);
    reject(stall);
    options.onTimeout?.();
  }, idleTimeoutMs);
  timer.unref();
  // Not Promise.race against one long-lived promise: every race would leave a reaction on it.
  const waitNext = (resolve: (result: IteratorResult<T>) => void, reject: (error: unknown) => void): void => {
    rejectWait = reject;
    iterator.next().then(resolve, reject);
  };
  let finished = false;
  try {
    for (;;) {
      timer.refresh();
      const result = await new Promise<IteratorResult<T>>(waitNext);
      rejectWait = undefined;
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
    rejectWait = undefined;
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
