/**
 * A repeating timer for keep-alive messages that cannot leak: it stops when `stop()` is called
 * or the signal aborts, and is `unref`'d so it never holds the process open. Stopping also takes
 * its listener off the signal, so a long-lived call signal does not keep old sockets reachable
 * across reconnects. `touch()` resets the idle clock (call it whenever real traffic flows, for
 * vendors that want keep-alives only when idle): with `onlyWhenIdle` a keep-alive goes out
 * exactly `intervalMs` after the last traffic (never later), then every `intervalMs` while idle.
 * `touch()` only stores a timestamp (it is on the audio path); the timer re-arms itself for the
 * remaining idle time when it finds traffic was recent. A `send` that throws (a socket that
 * went away) stops the timer instead of escaping from it as an uncaught exception; `onError`
 * hears of it.
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
    this.arm(this.intervalMs);
    this.options.signal?.addEventListener('abort', this.onAbort, { once: true });
    return this;
  }

  touch(): void {
    this.lastActivity = Date.now();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.options.signal?.removeEventListener('abort', this.onAbort);
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.tick(), ms);
    this.timer.unref();
  }

  private tick(): void {
    if (this.options.onlyWhenIdle) {
      const idle = Date.now() - this.lastActivity;
      if (idle < this.intervalMs) return this.arm(this.intervalMs - idle);
    }
    this.lastActivity = Date.now();
    try {
      this.send();
    } catch (error) {
      this.stop();
      this.options.onError?.(error);
      return;
    }
    if (this.timer) this.arm(this.intervalMs);
  }
}
