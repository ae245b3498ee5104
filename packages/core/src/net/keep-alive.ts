/**
 * A repeating timer for keep-alive messages that cannot leak: it stops when `stop()` is called
 * or the signal aborts, and is `unref`'d so it never holds the process open. `touch()` resets the
 * idle clock (call it whenever real traffic flows, for vendors that want keep-alives only when idle).
 */
export class KeepAlive {
  private timer: NodeJS.Timeout | undefined;
  private lastActivity = Date.now();

  constructor(
    private readonly intervalMs: number,
    private readonly send: () => void,
    private readonly options: { signal?: AbortSignal; onlyWhenIdle?: boolean } = {},
  ) {}

  start(): this {
    if (this.timer || this.options.signal?.aborted) return this;
    this.timer = setInterval(() => {
      if (this.options.onlyWhenIdle && Date.now() - this.lastActivity < this.intervalMs) return;
      this.lastActivity = Date.now();
      this.send();
    }, this.intervalMs);
    this.timer.unref();
    this.options.signal?.addEventListener('abort', () => this.stop(), { once: true });
    return this;
  }

  touch(): void {
    this.lastActivity = Date.now();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }
}
