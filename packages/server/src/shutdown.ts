import type { ServerContext } from './server-context.js';
import { closeWarmups } from './warmup-registry.js';

/** After hanging up the calls still running at the deadline, how long to wait for their sessions to end. */
const HANGUP_GRACE_MS = 5_000;
/** How long the drain waits for the fleet's dials in flight (a dial's own timeout is 15 s). */
const FLEET_DRAIN_MS = 15_000;

/** Lets `drainCalls` stop waiting early (a second SIGTERM). */
export interface DrainControl {
  hurry(): void;
}

/**
 * Graceful shutdown of the calls: stop accepting new ones, let the running ones finish for up to
 * `timeoutMs` (or until `control.hurry()`), then end the rest with reason `shutdown` and wait a short
 * grace for their sessions to close.
 */
export function drainCalls(context: ServerContext, timeoutMs: number): { readonly done: Promise<void> } & DrainControl {
  context.accepting = false;
  closeWarmups(context);
  // Stop taking campaign calls; the contacts left stay queued for the fleet's other servers.
  const fleetDrained = context.fleet?.drain().catch(() => undefined);
  let hurry: () => void = () => {};
  const hurried = new Promise<void>((resolve) => (hurry = resolve));
  const done = (async () => {
    // Dials already started finish first (their calls join the drain); a stuck database does not hold it up.
    if (fleetDrained !== undefined) await race(fleetDrained, Math.min(timeoutMs, FLEET_DRAIN_MS), hurried);
    const running = context.registry.activeCalls();
    if (running.length === 0) return;
    context.logger.info({ activeCalls: running.length, timeoutMs }, 'draining calls');
    const allEnded = Promise.all(running.map((call) => call.session.ended.catch(() => undefined)));
    const finished = await race(allEnded, timeoutMs, hurried);
    if (finished) return;
    const left = context.registry.activeCalls();
    context.logger.warn({ activeCalls: left.length }, 'shutdown deadline reached: hanging up calls');
    const ending = left.map((call) => call.session.end('shutdown').catch(() => undefined));
    await race(Promise.all([...ending, ...left.map((call) => call.session.ended.catch(() => undefined))]), HANGUP_GRACE_MS);
  })();
  return { done, hurry };
}

/** Resolves true if `promise` settles first, false on the timeout or `cancel`. Leaves no timer behind. */
async function race(promise: Promise<unknown>, ms: number, cancel?: Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([promise.then(() => true), timeout, ...(cancel ? [cancel.then(() => false)] : [])]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Installs handlers that start a graceful shutdown on the first signal and hurry it on the second.
 * Once the shutdown finished, the handlers are removed and, if nobody else listens for that signal,
 * it is raised again so the process ends the way it would have without us. Returns the uninstaller.
 */
export function installShutdownSignals(
  signals: readonly NodeJS.Signals[],
  shutdown: () => { readonly done: Promise<void>; hurry(): void },
): () => void {
  let running: ReturnType<typeof shutdown> | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    if (running) {
      running.hurry();
      return;
    }
    running = shutdown();
    void running.done.finally(() => {
      uninstall();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  };
  const uninstall = (): void => {
    for (const signal of signals) process.off(signal, handler);
  };
  for (const signal of signals) process.on(signal, handler);
  return uninstall;
}
