/**
 * Ticks every `intervalMs` on this process's event loop and remembers when each tick ran
 * (`performance.now()`, the clock the session's timeline and the simulators use). A stretch
 * with no tick is a stall: the process was busy or not scheduled (a loaded machine), and a
 * socket message sent in it is read only afterwards. Tests use it to tell a latency measured
 * wrong from one delayed by load, on the same clock. Stop it (no timer left behind).
 */
export class EventLoopProbe {
  private readonly ticks: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly intervalMs = 2) {
    this.ticks.push(performance.now());
    this.timer = setInterval(() => this.ticks.push(performance.now()), intervalMs);
  }

  /**
   * How much longer than one interval the loop went without a tick around `[from, to]`: the
   * longest gap between two ticks that overlaps it, less the interval (0 when the loop was free).
   */
  stallDuring(from: number, to: number): number {
    let worst = 0;
    for (let i = 1; i < this.ticks.length; i++) {
      const a = this.ticks[i - 1] as number;
      const b = this.ticks[i] as number;
      if (b < from || a > to) continue;
      worst = Math.max(worst, b - a - this.intervalMs);
    }
    // Still in a stall when `to` was taken (no tick since).
    const last = this.ticks[this.ticks.length - 1] as number;
    if (last < to) worst = Math.max(worst, to - last - this.intervalMs);
    return worst;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
