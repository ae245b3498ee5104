interface MarkWaiter {
  readonly resolve: (played: boolean) => void;
  readonly timer: NodeJS.Timeout | undefined;
  /** Whether its echo is announced as a `mark` event (the session's marks; not `drained()`'s own). */
  readonly announce: boolean;
}

/**
 * The marks a call transport placed and the carrier has not yet echoed, by name, each with the
 * promise `mark()` returned: true once the carrier echoed it as played, false when a clear
 * dropped it or the call ended. A mark may also settle (false) after a fallback delay, for the
 * waits that must not hang on a carrier that never echoes (`drained()`); timers are unref'd and
 * cleared when settled.
 */
export class MarkWaiters {
  private readonly waiters = new Map<string, MarkWaiter>();

  /** A promise for the mark `name`; a pending mark of the same name settles with it. */
  add(name: string, announce: boolean, fallbackMs?: number): Promise<boolean> {
    return new Promise((resolve) => {
      const previous = this.waiters.get(name);
      const timer = fallbackMs === undefined ? undefined : setTimeout(() => this.settle(name, false), fallbackMs);
      timer?.unref();
      const settle =
        previous === undefined
          ? resolve
          : (played: boolean): void => {
              if (previous.timer !== undefined) clearTimeout(previous.timer);
              previous.resolve(played);
              resolve(played);
            };
      this.waiters.set(name, { resolve: settle, timer, announce: announce || previous?.announce === true });
    });
  }

  /** Settles the mark `name`; returns whether it was one of ours to announce (false: unknown or internal). */
  settle(name: string, played: boolean): boolean {
    const waiter = this.waiters.get(name);
    if (waiter === undefined) return false;
    this.waiters.delete(name);
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    waiter.resolve(played);
    return waiter.announce;
  }

  /** Whether `name` is a mark placed and not yet settled. */
  has(name: string): boolean {
    return this.waiters.has(name);
  }

  /** Settles every pending mark as not played (a clear dropped them, or the call ended). */
  dropAll(): void {
    for (const name of [...this.waiters.keys()]) this.settle(name, false);
  }
}
