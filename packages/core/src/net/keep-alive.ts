/**
 * A repeating timer for keep-alive messages that cannot leak: it stops when `stop()` is called
 * or the signal aborts, and is `unref`'d so it never holds the process open. Stopping also takes
 * its listener off the signal, so a long-lived call signal does not keep old sockets reachable
 * across reconnects. `touch()` resets the idle clock (call it whenever real traffic flows, for
 * vendors that want keep-alives only when idle). A `send` that throws (a socket that went away)
 * stops the timer instead of escaping from it as an uncaught exception; `onError` hears of it.
 */
export class KeepAlive {
  private timer: NodeJS.Timeout | undefined;
  private lastActivity = Date.now();
  private readonly onAbort = (): void => this.stop();

  constructor(
    private readonly intervalMs: number,
    private readonly send: () => void,
    private readonly options: { signal?: AbortSignal; onlyWhenIdle?: boolean; onError?: (error: unknown) => void } = {},
  ) {}

  start(): this {
    if (this.timer || this.options.signal?.aborted) return this;
    this.lastActivity = Date.now();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
    this.options.signal?.addEventListener('abort', this.onAbort, { once: true });
    return this;
  }

  touch(): void {
    this.lastActivity = Date.now();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.options.signal?.removeEventListener('abort', this.onAbort);
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  private tick(): void {
    if (this.options.onlyWhenIdle && Date.now() - this.lastActivity < this.intervalMs) return;
    this.lastActivity = Date.now();
    try {
      this.send();
    } catch (error) {
      this.stop();
      this.options.onError?.(error);
    }
  }
}
