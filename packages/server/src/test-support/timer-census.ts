// Counts the timers armed and not yet fired or cleared, unref'd ones included
// (`process.getActiveResourcesInfo()` lists only the timers that hold the process open), so a
// test can show that a call leaves none behind. `install()` wraps the global timer functions
// until `uninstall()`.
const live = new Set<unknown>();
const original = { setTimeout, setInterval, clearTimeout, clearInterval };

const counting = {
  setTimeout: ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const timer = original.setTimeout(() => {
      live.delete(timer);
      callback(...args);
    }, ms);
    live.add(timer);
    return timer;
  }) as typeof setTimeout,
  setInterval: ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const timer = original.setInterval(callback, ms, ...args);
    live.add(timer);
    return timer;
  }) as typeof setInterval,
  clearTimeout: ((timer: Parameters<typeof clearTimeout>[0]) => {
    live.delete(timer);
    original.clearTimeout(timer);
  }) as typeof clearTimeout,
  clearInterval: ((timer: Parameters<typeof clearInterval>[0]) => {
    live.delete(timer);
    original.clearInterval(timer);
  }) as typeof clearInterval,
};

export const timerCensus = {
  install(): void {
    Object.assign(globalThis, counting);
  },
  uninstall(): void {
    Object.assign(globalThis, original);
    live.clear();
  },
  /** Timers armed since `install()` and neither fired (timeouts) nor cleared. */
  get live(): number {
    return live.size;
  },
};
