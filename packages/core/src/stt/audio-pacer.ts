/** How fast a vendor takes audio on one connection (`WebSocketSTTAdapter.paceAudio`). */
export interface AudioPace {
  /** How far (ms of audio) a connection may run ahead of its own wall clock. Default 1000 ms. */
  readonly burstMs?: number;
  /** Audio seconds per wall-clock second once the burst is spent. Default 1 (real time). */
  readonly rate?: number;
}

/**
 * Keeps the audio sent on one connection within `burst + rate × elapsed` (a token bucket on the
 * connection's wall clock), so a backlog replayed after a reconnect drains at the vendor's pace
 * instead of all at once. One timer at most, armed only while audio waits; no allocation per frame.
 */
export class AudioPacer {
  private openedAt = 0;
  private sent = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly bytesPerMs: number;

  /**
   * @param bytesPerSecond - the stream's audio byte rate
   * @param burstBytes - how many bytes may go out ahead of the clock
   * @param rate - audio seconds per wall-clock second
   * @param onReady - called (from a timer) when audio that waited may go out
   */
  constructor(
    bytesPerSecond: number,
    private readonly burstBytes: number,
    rate: number,
    private readonly onReady: () => void,
  ) {
    this.bytesPerMs = (bytesPerSecond * rate) / 1000;
  }

  /** A new connection: its clock and its count start now; a pending wake-up is dropped. */
  reset(): void {
    this.stop();
    this.openedAt = performance.now();
    this.sent = 0;
  }

  /** Bytes that may go out now. */
  budget(): number {
    return this.burstBytes + (performance.now() - this.openedAt) * this.bytesPerMs - this.sent;
  }

  /** True when `bytes` may go out now and no earlier audio waits. */
  allows(bytes: number): boolean {
    return this.timer === undefined && this.budget() >= bytes;
  }

  /** Counts audio that went out. */
  spent(bytes: number): void {
    this.sent += bytes;
  }

  /** Audio waits for the clock. */
  get waiting(): boolean {
    return this.timer !== undefined;
  }

  /** Calls `onReady` once `bytes` more fit in the budget (one wake-up at a time). */
  wake(bytes: number): void {
    if (this.timer !== undefined) return;
    const ms = Math.max(10, Math.ceil((bytes - this.budget()) / this.bytesPerMs));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onReady();
    }, ms);
  }

  /** Cancels a pending wake-up (the socket closed or the stream ended). */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
