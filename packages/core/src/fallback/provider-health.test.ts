import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProviderHealth } from './provider-health.js';

const member = (key: string, warmup?: () => Promise<void>) => ({ key, ...(warmup ? { warmup } : {}) });

afterEach(() => {
  vi.useRealTimers();
});

describe('ProviderHealth', () => {
  it('takes a failed member out, probes it in the background after the recovery delay and puts it back', async () => {
    vi.useFakeTimers();
    let warmups = 0;
    const a = member('a', async () => void warmups++);
    const b = member('b');
    const health = new ProviderHealth([a, b], { recoveryMs: 1000 });
    health.markFailed(a, undefined);
    expect(health.order()).toEqual([b, a]);
    expect(health.pendingProbes).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(warmups).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(warmups).toBe(1);
    expect(health.order()).toEqual([a, b]);
    expect(health.pendingProbes).toBe(0);
    health.close();
  });

  it('doubles the delay after a failed probe, up to the ceiling, and close() clears every timer', async () => {
    vi.useFakeTimers();
    const probes: number[] = [];
    const a = member('a');
    const health = new ProviderHealth([a], {
      recoveryMs: 100,
      maxRecoveryMs: 300,
      probe: () => {
        probes.push(Date.now());
        return Promise.reject(new Error('still down'));
      },
    });
    const start = Date.now();
    health.markFailed(a, undefined);
    await vi.advanceTimersByTimeAsync(100 + 200 + 300 + 300);
    expect(probes.map((t) => t - start)).toEqual([100, 300, 600, 900]);
    expect(health.isHealthy(a)).toBe(false);
    expect(vi.getTimerCount()).toBe(1);
    health.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(health.pendingProbes).toBe(0);
  });

  it('arms unref\'d timers (a probe never keeps the process alive)', () => {
    const a = member('a');
    const health = new ProviderHealth([a], { recoveryMs: 60_000 });
    const unref = vi.spyOn(globalThis, 'setTimeout');
    health.markFailed(a, undefined);
    const timer = unref.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    unref.mockRestore();
    health.close();
  });

  it('a member that serves again is healthy at once, its probe cancelled', () => {
    vi.useFakeTimers();
    const a = member('a');
    const health = new ProviderHealth([a], { recoveryMs: 1000 });
    health.markFailed(a, undefined);
    health.markServed(a);
    expect(health.isHealthy(a)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    health.close();
  });
});
