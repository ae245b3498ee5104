// Counts the timers a process has armed and not yet fired or cleared, unref'd ones included
// (`process.getActiveResourcesInfo()` lists only the timers that hold the process open). Import
// it before anything that arms timers; the load test reads `liveTimers()` to show that a call
// leaves none behind.
const live = new Set<unknown>();
const original = { setTimeout, setInterval, clearTimeout, clearInterval };

globalThis.setTimeout = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const timer = original.setTimeout(() => {
    live.delete(timer);
    callback(...args);
  }, ms);
  live.add(timer);
  return timer;
}) as typeof setTimeout;

globalThis.setInterval = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const timer = original.setInterval(callback, ms, ...args);
  live.add(timer);
  return timer;
}) as typeof setInterval;

globalThis.clearTimeout = ((timer: Parameters<typeof clearTimeout>[0]) => {
  live.delete(timer);
  original.clearTimeout(timer);
}) as typeof clearTimeout;

globalThis.clearInterval = ((timer: Parameters<typeof clearInterval>[0]) => {
  live.delete(timer);
  original.clearInterval(timer);
}) as typeof clearInterval;

/** Timers armed and neither fired (timeouts) nor cleared. */
export function liveTimers(): number {
  return live.size;
}
