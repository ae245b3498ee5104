import type { CallEndSummary } from '@patter/core';

/** A call placed through the MCP tools. */
export interface PlacedCall {
  readonly callId: string;
  readonly to: string;
  readonly placedAt: number;
}

/** Calls remembered at most (oldest forgotten first): the store keeps the history, this only the recent ends. */
const REMEMBERED = 1000;

/**
 * What this process knows about the calls the MCP tools placed: which are in progress, and how
 * each ended (from the server's `onCallEnd`, which also reports calls that were never answered and
 * so have no stored record). Waiters are woken when a call ends.
 */
export class CallOutcomes {
  private readonly placedCalls = new Map<string, PlacedCall>();
  private readonly ends = new Map<string, CallEndSummary>();
  private readonly waiters = new Map<string, Set<() => void>>();

  placed(call: PlacedCall): void {
    remember(this.placedCalls, call.callId, call);
  }

  /** Feed it the server's `onCallEnd` (the `patter-mcp` command does). */
  readonly onCallEnd = (summary: CallEndSummary): void => {
    remember(this.ends, summary.callId, summary);
    const waiting = this.waiters.get(summary.callId);
    this.waiters.delete(summary.callId);
    for (const wake of waiting ?? []) wake();
  };

  placedCall(callId: string): PlacedCall | undefined {
    return this.placedCalls.get(callId);
  }

  ended(callId: string): CallEndSummary | undefined {
    return this.ends.get(callId);
  }

  /** Placed here and not known to have ended, newest first. */
  inProgress(): PlacedCall[] {
    return [...this.placedCalls.values()].filter((call) => !this.ends.has(call.callId)).reverse();
  }

  /**
   * Resolves after `ms`, when `callId` ends (if it has not yet), or when `signal` aborts,
   * whichever comes first; leaves no timer or listener behind.
   */
  pause(callId: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const set = this.ends.has(callId) ? undefined : this.waitersOf(callId);
      const done = (): void => {
        clearTimeout(timer);
        set?.delete(done);
        if (set?.size === 0 && this.waiters.get(callId) === set) this.waiters.delete(callId);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set?.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private waitersOf(callId: string): Set<() => void> {
    let waiting = this.waiters.get(callId);
    if (!waiting) this.waiters.set(callId, (waiting = new Set()));
    return waiting;
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > REMEMBERED) map.delete(map.keys().next().value as string);
}
