/**
 * One-shot named signals that callers can await with a timeout: `wait(name, ms, until?)`
 * resolves true when `raise(name)` happens, false on timeout or when `until` settles first.
 * No timer outlives its wait; `raiseAll()` releases every waiter (on shutdown).
 */
export class SignalWaiters<Name extends string> {
  private readonly waiters = new Map<Name, Set<() => void>>();

  raise(name: Name): void {
    const set = this.waiters.get(name);
    if (!set) return;
    this.waiters.delete(name);
    for (const wake of set) wake();
  }

  raiseAll(): void {
    for (const name of [...this.waiters.keys()]) this.raise(name);
  }

  wait(name: Name, timeoutMs: number, until?: Promise<unknown>): Promise<boolean> {
    return new Promise((resolve) => {
      let set = this.waiters.get(name);
      if (!set) this.waiters.set(name, (set = new Set()));
      const waiters = set;
      const settle = (value: boolean) => {
        if (!waiters.delete(entry)) return;
        clearTimeout(timer);
        resolve(value);
      };
      const entry = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => settle(false), timeoutMs);
      timer.unref();
      waiters.add(entry);
      void until?.then(() => settle(false));
    });
  }
}
