/** Words after which a caller is usually not done: a turn ending on them gets more time. */
const HOLD_WORDS = new Set(['um', 'uh', 'er', 'erm', 'hmm', 'and', 'but', 'so', 'or', 'because', 'like', 'the', 'a', 'an', 'to', 'of', 'with', 'my', 'is']);

export interface AdaptiveEndOfTurnOptions {
  /** The wait after the last speech for a neutral ending, in seconds. */
  readonly baseDelay: number;
  /** Called when the caller is judged done: send `ForceEndOfUtterance`. */
  readonly onEndOfTurn: () => void;
  readonly signal?: AbortSignal;
}

/**
 * Client-side end-of-turn for Speechmatics' ADAPTIVE mode (the protocol has no adaptive
 * server trigger; Speechmatics' own voice SDK does this on the client too): after each piece
 * of recognised speech it waits a delay scaled by how the text ends — shorter after a full
 * stop or question mark, longer after a filler or a conjunction ("um", "and") — and then
 * ends the turn, unless more speech arrived. One timer, cleared on `stop()` or abort.
 */
export class AdaptiveEndOfTurn {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** When speech was last heard (`heard()`), for `refine()`. */
  private lastHeardAt: number | undefined;

  constructor(private readonly options: AdaptiveEndOfTurnOptions) {
    options.signal?.addEventListener('abort', () => this.stop(), { once: true });
  }

  /** New speech was recognised (a partial); `text` is the turn so far. Restarts the wait from now. */
  heard(text: string): void {
    this.lastHeardAt = performance.now();
    this.schedule(this.delayFor(text) * 1000);
  }

  /**
   * The final text for speech already heard arrived (it lags the words by `max_delay`): the wait
   * is re-judged on the better text but still counted from when the speech was heard.
   */
  refine(text: string): void {
    if (this.lastHeardAt === undefined) return this.heard(text);
    this.schedule(this.delayFor(text) * 1000 - (performance.now() - this.lastHeardAt));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.clear();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) this.options.onEndOfTurn();
    }, Math.max(0, Math.round(delayMs)));
    this.timer.unref();
  }

  /** Cancels the wait (the turn ended, or the app forced it). */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The turn ended: the next speech starts a new one. */
  reset(): void {
    this.clear();
    this.lastHeardAt = undefined;
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  /** The wait in seconds for a turn that reads `text` so far. */
  delayFor(text: string): number {
    const trimmed = text.trim();
    const base = this.options.baseDelay;
    if (/[.!?]$/.test(trimmed)) return Math.max(0.3, base * 0.75);
    const last = trimmed.toLowerCase().replace(/[^\p{L}\p{N}\s']/gu, '').split(/\s+/).pop() ?? '';
    if (HOLD_WORDS.has(last) || /,$/.test(trimmed)) return Math.min(2.5, base * 2);
    return base * 1.25;
  }
}
