import type { CallStore } from '@patter/store';
import type { CallOutcomes } from './call-outcomes.js';
import { viewFromRecord, viewFromSummary, viewInProgress, type CallView } from './call-view.js';

export interface WaitForCallOptions {
  readonly store: CallStore;
  readonly outcomes: CallOutcomes;
  /** Give up (the view says `timedOut`) after this long. */
  readonly timeoutMs: number;
  /** How often the store is read while waiting. */
  readonly pollMs: number;
  /** After the end is known, how long to wait for its record (written after the post-call analysis). */
  readonly recordGraceMs: number;
  readonly signal?: AbortSignal;
  /** Called on each poll while the call goes on (e.g. to send MCP progress, so a client's timeout restarts). */
  readonly onWaiting?: (elapsedMs: number) => void;
}

/**
 * Waits for a call's outcome: its stored record (transcript, analysis) once written. The store is
 * read every `pollMs` (it is shared by a fleet, so the call may have run on another instance);
 * an end this process saw (`onCallEnd`) wakes the wait at once. A call that ended without ever
 * being answered has no record: its end reason is returned as soon as it is known.
 */
export async function waitForCall(callId: string, options: WaitForCallOptions): Promise<CallView> {
  const { store, outcomes, signal } = options;
  const startedAt = Date.now();
  const deadline = startedAt + options.timeoutMs;
  let endSeenAt: number | undefined;
  for (;;) {
    const record = await store.getCall(callId);
    if (record) return viewFromRecord(record);
    const placed = outcomes.placedCall(callId);
    const summary = outcomes.ended(callId);
    const now = Date.now();
    if (summary) {
      endSeenAt ??= now;
      const answered = summary.transcript.length > 0 || Object.keys(summary.usage).length > 0;
      if (!answered || now - endSeenAt >= options.recordGraceMs) return viewFromSummary(summary, placed?.to);
    }
    if (signal?.aborted || now >= deadline) return viewInProgress(callId, placed?.to, placed?.placedAt, true);
    options.onWaiting?.(now - startedAt);
    await outcomes.pause(callId, Math.min(options.pollMs, deadline - now), signal);
  }
}
