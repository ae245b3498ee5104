import type { Logger } from './logger.js';

export interface RateLimitedLogOptions {
  /** Length of one aggregation interval, ms. Default 60 000. */
  readonly intervalMs?: number;
  /** Sources tracked at once; past it, new sources share one `source: 'other'` entry. Default 256. */
  readonly maxSources?: number;
  /** Flushes the last summaries and stops the timer when aborted (the server closed). */
  readonly signal?: AbortSignal;
}

export const RATE_LIMITED_LOG_DEFAULTS = Object.freeze({ intervalMs: 60_000, maxSources: 256 });

interface SourceState {
  /** Events since the last line written for this source. */
  suppressed: number;
  /** Fields of the latest suppressed event (the summary line carries them). */
  fields: Record<string, unknown>;
  /** An event arrived in the current interval. */
  active: boolean;
}

const OTHER = 'other';

/**
 * A warning that a flood cannot turn into a flood of log lines: per source (e.g. the remote
 * address) the first event of a quiet period is logged at once, the following ones are counted, and
 * one summary line per interval reports the count (`suppressed`). Memory is bounded (`maxSources`),
 * the one interval timer is unref'd, runs only while there is something to report, and is cleared
 * on `close()` or when `signal` aborts.
 */
export class RateLimitedLog {
  private readonly sources = new Map<string, SourceState>();
  private readonly intervalMs: number;
  private readonly maxSources: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly logger: Logger,
    private readonly level: 'info' | 'warn' | 'error',
    private readonly message: string,
    options: RateLimitedLogOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? RATE_LIMITED_LOG_DEFAULTS.intervalMs;
    this.maxSources = options.maxSources ?? RATE_LIMITED_LOG_DEFAULTS.maxSources;
    if (options.signal?.aborted) this.closed = true;
    else options.signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  /** Sources currently tracked (for tests and metrics). */
  get trackedSources(): number {
    return this.sources.size;
  }

  /** Records one event from `source`; logs it unless this source already logged this interval. */
  log(source: string | undefined, fields: Record<string, unknown>): void {
    if (this.closed) return this.write(fields);
    let key = source ?? 'unknown';
    let state = this.sources.get(key);
    if (state === undefined && this.sources.size >= this.maxSources) {
      key = OTHER;
      state = this.sources.get(key);
    }
    if (state === undefined) {
      this.sources.set(key, { suppressed: 0, fields, active: true });
      this.write(fields);
      this.ensureTimer();
      return;
    }
    state.active = true;
    state.suppressed += 1;
    state.fields = key === OTHER ? { ...fields, source: OTHER } : fields;
  }

  /** Writes the pending summaries and stops the timer; later events are logged one by one. */
  close(): void {
    if (this.closed) return;
    this.flush(true);
    this.closed = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private ensureTimer(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.flush(false), this.intervalMs);
    this.timer.unref();
  }

  private flush(final: boolean): void {
    for (const [key, state] of this.sources) {
      if (state.suppressed > 0) {
        this.write({ ...state.fields, suppressed: state.suppressed, intervalMs: this.intervalMs });
        state.suppressed = 0;
      }
      // A source quiet for a whole interval is forgotten: its next event is logged at once.
      if (!state.active || final) this.sources.delete(key);
      else state.active = false;
    }
    if (this.sources.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private write(fields: Record<string, unknown>): void {
    this.logger[this.level](fields, this.message);
  }
}
