/** What a mark echoed by the carrier means. */
export type MarkEchoKind = 'played' | 'discarded' | 'unknown';

export interface PlaybackTrackerOptions {
  /** Monotonic clock in ms. Default `performance.now`. */
  readonly now?: () => number;
}

/**
 * Knows how much of the audio sent to a carrier has been played. Sending advances a clock model
 * (the carrier plays sent audio back to back at real time); mark echoes are ground truth and
 * never let the estimate fall behind them. Carriers echo every pending mark on `clear`, so marks
 * sent before a `clear()` are reported as `discarded`, not played.
 */
export class PlaybackTracker {
  private readonly now: () => number;
  /** Audio sent since the last clear, ms. */
  private sentMs = 0;
  /** Highest audio position confirmed played by a mark echo, ms. */
  private ackedMs = 0;
  /** Clock time at which the carrier will have played everything sent. */
  private playEnd = 0;
  /** Marks sent and not yet echoed → their audio position (ms since clear). */
  private readonly pending = new Map<string, number>();
  /** Marks sent before a clear; their echoes mean "discarded". */
  private readonly discarded = new Set<string>();

  constructor(options: PlaybackTrackerOptions = {}) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Record `ms` of audio handed to the carrier. */
  onAudioSent(ms: number): void {
    const now = this.now();
    this.playEnd = Math.max(this.playEnd, now) + ms;
    this.sentMs += ms;
  }

  /** Record a mark handed to the carrier after the audio sent so far. */
  onMarkSent(name: string): void {
    this.discarded.delete(name);
    this.pending.set(name, this.sentMs);
  }

  /** The carrier echoed `name`. */
  onMarkEcho(name: string): MarkEchoKind {
    const position = this.pending.get(name);
    if (position !== undefined) {
      this.pending.delete(name);
      if (position > this.ackedMs) this.ackedMs = position;
      return 'played';
    }
    if (this.discarded.delete(name)) return 'discarded';
    return 'unknown';
  }

  /** The carrier's buffer was cleared: forget what was sent; pending marks will echo as discarded. */
  clear(): void {
    for (const name of this.pending.keys()) this.discarded.add(name);
    this.pending.clear();
    // Bound the set: a carrier that never echoes must not grow it forever.
    if (this.discarded.size > 256) this.discarded.clear();
    this.sentMs = 0;
    this.ackedMs = 0;
    this.playEnd = this.now();
  }

  /** Milliseconds played since the last clear: the clock estimate, never behind the marks. */
  playedMs(): number {
    const byClock = this.sentMs - Math.max(0, this.playEnd - this.now());
    return Math.min(this.sentMs, Math.max(this.ackedMs, byClock));
  }

  /** Milliseconds sent and not yet played. */
  unplayedMs(): number {
    return this.sentMs - this.playedMs();
  }

  /** Milliseconds sent since the last clear. */
  totalSentMs(): number {
    return this.sentMs;
  }

  /** Marks sent and not yet echoed. */
  pendingMarks(): number {
    return this.pending.size;
  }
}
