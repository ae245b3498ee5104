import type { CallEndSummary } from '@patter/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallOutcomes } from './call-outcomes.js';

const summary = (callId: string): CallEndSummary => ({
  callId,
  callRef: `ref-${callId}`,
  reason: 'caller_hangup',
  startedAt: 0,
  durationMs: 1000,
  transcript: [],
  usage: {},
  cost: {},
});

afterEach(() => {
  vi.useRealTimers();
});

describe('CallOutcomes', () => {
  it('pause wakes when the call ends, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    const outcomes = new CallOutcomes();
    let woke = false;
    const paused = outcomes.pause('CA1', 60_000, undefined).then(() => (woke = true));
    expect(vi.getTimerCount()).toBe(1);
    outcomes.onCallEnd(summary('CA1'));
    await paused;
    expect(woke).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('pause ends at its time or on abort; after the end it only sleeps (no busy loop)', async () => {
    vi.useFakeTimers();
    const outcomes = new CallOutcomes();
    const controller = new AbortController();
    const aborted = outcomes.pause('CA2', 60_000, controller.signal);
    controller.abort();
    await aborted;
    expect(vi.getTimerCount()).toBe(0);
    await outcomes.pause('CA2', 0, controller.signal); // already aborted: at once

    outcomes.onCallEnd(summary('CA2'));
    let slept = false;
    const sleeping = outcomes.pause('CA2', 500, undefined).then(() => (slept = true));
    await vi.advanceTimersByTimeAsync(499);
    expect(slept).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(slept).toBe(true);
  });

  it('remembers the last 1000 calls; in progress are the placed ones not ended, newest first', () => {
    const outcomes = new CallOutcomes();
    for (let i = 0; i < 1005; i++) outcomes.placed({ callId: `CA${i}`, to: '+14155550100', placedAt: i });
    expect(outcomes.placedCall('CA0')).toBeUndefined();
    expect(outcomes.placedCall('CA5')).toBeDefined();
    outcomes.onCallEnd(summary('CA1004'));
    expect(outcomes.ended('CA1004')?.reason).toBe('caller_hangup');
    const live = outcomes.inProgress();
    expect(live).toHaveLength(999);
    expect(live[0]!.callId).toBe('CA1003');
  });
});
