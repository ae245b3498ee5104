/**
 * Notices a vendor socket that stays open but says nothing while audio flows to it: once audio
 * went out and no message came back for `timeoutMs` (while audio kept flowing), `onSilent` runs
 * once. `audioSent()` and `heard()` only store timestamps (they are on the audio path); one
 * `unref`'d timer checks four times per timeout and is cleared by `stop()`.
 */
export class InactivityWatch {
  /** When audio first went out after the vendor's last message; undefined = nothing owed. */
  private owedSince: number | undefined;
  private lastAudioAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly onSilent: (silentMs: number) => void,
  ) {}

  start(): this {
    if (this.timer || !(this.timeoutMs > 0)) return this;
    this.timer = setInterval(() => this.check(), Math.max(25, Math.floor(this.timeoutMs / 4)));
    this.timer.unref();
    return this;
  }

  audioSent(): void {
    const now = Date.now();
    this.lastAudioAt = now;
    if (this.owedSince === undefined) this.owedSince = now;
  }

  heard(): void {
    this.owedSince = undefined;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    if (this.owedSince === undefined) return;
    const now = Date.now();
    const silentMs = now - this.owedSince;
    // Audio must still be flowing: a vendor may rightly stay quiet while the client sends none.
    if (silentMs < this.timeoutMs || now - this.lastAudioAt >= this.timeoutMs) return;
    this.stop();
    this.onSilent(silentMs);
  }
}
