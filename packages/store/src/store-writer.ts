import type { Logger } from '@patter/core';

export interface StoreWriterOptions {
  readonly logger: Logger;
  /** Writes waiting at most; past it the oldest is dropped (with an error log). Default 10,000. */
  readonly maxPending?: number;
  /** First retry delay; doubles per failure up to `maxRetryMs`. Default 1 s. */
  readonly retryMs?: number;
  /** Default 30 s. */
  readonly maxRetryMs?: number;
}

interface PendingWrite {
  readonly label: string;
  readonly run: () => Promise<unknown>;
}

/**
 * Runs the store's writes one at a time, off the call's path: `enqueue()` returns at once. A
 * write that fails (database down, connection lost) stays at the head of the queue and is
 * retried with backoff, so records wait in memory until the database is back and land in the
 * order they were made. The queue is bounded; each write must be idempotent (a retry may
 * follow a write that did land before its connection died).
 */
export class StoreWriter {
  private readonly queue: PendingWrite[] = [];
  private readonly maxPending: number;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private readonly logger: Logger;
  private running = false;
  private closed = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(options: StoreWriterOptions) {
    this.logger = options.logger;
    this.maxPending = options.maxPending ?? 10_000;
    this.retryMs = options.retryMs ?? 1_000;
    this.maxRetryMs = options.maxRetryMs ?? 30_000;
  }

  /** Writes not yet done (including one in flight). */
  get pending(): number {
    return this.queue.length;
  }

  enqueue(label: string, run: () => Promise<unknown>): void {
    if (this.closed) {
      this.logger.warn({ label }, 'store write after close dropped');
      return;
    }
    if (this.queue.length >= this.maxPending) {
      const dropped = this.queue.splice(this.running ? 1 : 0, 1)[0];
      this.logger.error({ label: dropped?.label, maxPending: this.maxPending }, 'store write queue full: oldest write dropped');
    }
    this.queue.push({ label, run });
    if (!this.running) void this.drain();
  }

  /** Resolves when every write enqueued so far has landed. */
  idle(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Retry now instead of waiting out the backoff (e.g. after the database is known to be back). */
  retryNow(): void {
    this.wakeRetry?.();
  }

  /**
   * Stops: waits up to `timeoutMs` for the queue to drain, then gives up on the rest (logged).
   * Returns the number of writes that did not land.
   */
  async close(timeoutMs = 5_000): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    this.closed = true;
    const lost = this.queue.length;
    if (lost > 0) this.logger.error({ lost }, 'store writes lost at shutdown: the database stayed unreachable');
    this.queue.length = 0;
    this.retryNow();
    this.settleIdle();
    return lost;
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0 && !this.closed) {
      const write = this.queue[0] as PendingWrite;
      try {
        await write.run();
        if (this.queue[0] === write) this.queue.shift();
        if (this.failures > 0) this.logger.info({ failures: this.failures }, 'store reachable again: writes resumed');
        this.failures = 0;
      } catch (err) {
        this.failures += 1;
        const waitMs = Math.min(this.maxRetryMs, this.retryMs * 2 ** Math.min(this.failures - 1, 20));
        this.logger.warn({ err: describe(err), label: write.label, pending: this.queue.length, retryInMs: waitMs }, 'store write failed: will retry');
        await new Promise<void>((resolve) => {
          this.wakeRetry = resolve;
          this.timer = setTimeout(resolve, waitMs);
          this.timer.unref();
        });
        clearTimeout(this.timer);
        this.wakeRetry = undefined;
      }
    }
    this.running = false;
    if (this.queue.length === 0) this.settleIdle();
  }

  private settleIdle(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

/** The error without its message text, which can quote the SQL parameters (transcripts). */
function describe(err: unknown): Record<string, unknown> {
  if (typeof err !== 'object' || err === null) return { type: typeof err };
  const { name, code } = err as { name?: unknown; code?: unknown };
  return { name, code };
}
