/**
 * Sends a coalescing stream's partial last chunk once it has waited `afterMs`: audio that stopped
 * coming mid-chunk still reaches the vendor. One unref'd timer at most, armed only while a tail
 * waits; with frames flowing it fires about once per chunk, finds the tail younger than `afterMs`
 * and re-arms for the rest (no timer is set or cleared per frame).
 */
export class TailFlush {
  private timer: NodeJS.Timeout | undefined;
  private since = 0;

  /**
   * @param afterMs - how long a tail may wait
   * @param waiting - whether unsent audio is still held
   * @param flush - sends it
   */
  constructor(
    private readonly afterMs: number,
    private readonly waiting: () => boolean,
    private readonly flush: () => void,
  ) {}

  /** Unsent audio started to wait now (nothing was held before it). */
  started(): void {
    this.since = performance.now();
    if (this.timer === undefined) this.arm(this.afterMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.fire, ms);
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    if (!this.waiting()) return;
    const age = performance.now() - this.since;
    if (age >= this.afterMs - 1) this.flush();
    else this.arm(Math.ceil(this.afterMs - age));
  };
}
