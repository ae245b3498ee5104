import { TestKitError } from '../test-kit-error.js';

interface Waiter<T> {
  readonly accept: (item: T) => boolean;
  /** A `next()` waiter: each item goes to at most one of these. */
  readonly consumes: boolean;
  readonly resolve: (item: T, index: number) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Default time a fake waits for something before failing the test. */
export const DEFAULT_WAIT_MS = 5_000;

/**
 * An append-only log that can be awaited: `next()` reads items in order with a cursor,
 * `waitFor()` resolves with the first item (already logged or still to come) that matches.
 * Pending waits fail on timeout or when the log is ended; no timer outlives its wait.
 */
export class WaitableLog<T> {
  readonly items: T[] = [];
  private cursor = 0;
  private readonly waiters = new Set<Waiter<T>>();
  private endedWith: Error | undefined;

  constructor(private readonly what: string) {}

  push(item: T): void {
    this.items.push(item);
    let claimed = false;
    for (const waiter of this.waiters) {
      if (waiter.consumes && claimed) continue;
      if (waiter.accept(item)) {
        claimed ||= waiter.consumes;
        this.waiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.resolve(item, this.items.length - 1);
      }
    }
  }

  /** The next item not yet returned by `next()`. */
  next(timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
    if (this.cursor < this.items.length) {
      const item = this.items[this.cursor++] as T;
      return Promise.resolve(item);
    }
    return this.wait(() => true, timeoutMs, `next ${this.what}`, true, (index) => {
      this.cursor = Math.max(this.cursor, index + 1);
    });
  }

  /** The first item, past or future, for which `predicate` is true. */
  waitFor(predicate: (item: T) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
    const found = this.items.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return this.wait(predicate, timeoutMs, `matching ${this.what}`, false);
  }

  /** Fail every pending wait (the source is gone) and every later wait that cannot be satisfied. */
  end(reason: string): void {
    this.endedWith = new TestKitError(reason);
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(this.endedWith);
    }
    this.waiters.clear();
  }

  private wait(
    accept: (item: T) => boolean,
    timeoutMs: number,
    label: string,
    consumes: boolean,
    onIndex?: (index: number) => void,
  ): Promise<T> {
    if (this.endedWith) return Promise.reject(new TestKitError(`${label}: ${this.endedWith.message}`));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new TestKitError(`timed out after ${timeoutMs} ms waiting for ${label}`));
      }, timeoutMs);
      timer.unref();
      const waiter: Waiter<T> = {
        accept,
        consumes,
        resolve: (item, index) => {
          onIndex?.(index);
          resolve(item);
        },
        reject,
        timer,
      };
      this.waiters.add(waiter);
    });
  }
}
