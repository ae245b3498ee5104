/**
 * Pending `drained()` promises of a call transport, keyed by the internal mark each waits for.
 * Each also resolves after a fallback delay (a carrier that never echoes must not hang the
 * session); timers are unref'd and cleared when resolved.
 */
export class DrainWaiters {
  private readonly waiters = new Map<string, { resolve: () => void; timer: NodeJS.Timeout }>();

  /** A promise that resolves when `resolve(name)` or `resolveAll()` is called, or after `fallbackMs`. */
  add(name: string, fallbackMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.resolve(name), fallbackMs);
      timer.unref();
      this.waiters.set(name, { resolve, timer });
    });
  }

  resolve(name: string): void {
    const waiter = this.waiters.get(name);
    if (waiter === undefined) return;
    this.waiters.delete(name);
    clearTimeout(waiter.timer);
    waiter.resolve();
  }

  resolveAll(): void {
    for (const name of [...this.waiters.keys()]) this.resolve(name);
  }
}
