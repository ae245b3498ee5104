import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from './logger.js';
import { RateLimitedLog } from './rate-limited-log.js';

interface Line {
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

function recorder(lines: Line[]): Logger {
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (fields, message) => void lines.push({ fields, message }),
    error: () => {},
    child: () => logger,
  };
  return logger;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RateLimitedLog', () => {
  it('logs the first event of a source at once, then one summary per interval with the count', () => {
    const lines: Line[] = [];
    const log = new RateLimitedLog(recorder(lines), 'warn', 'request refused', { intervalMs: 1_000 });
    for (let i = 0; i < 500; i++) log.log('203.0.113.9', { remoteAddress: '203.0.113.9', n: i });
    expect(lines).toEqual([{ fields: { remoteAddress: '203.0.113.9', n: 0 }, message: 'request refused' }]);

    vi.advanceTimersByTime(1_000);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toEqual({ fields: { remoteAddress: '203.0.113.9', n: 499, suppressed: 499, intervalMs: 1_000 }, message: 'request refused' });

    // The flood goes on: one line per interval.
    for (let i = 0; i < 300; i++) log.log('203.0.113.9', { remoteAddress: '203.0.113.9', n: i });
    vi.advanceTimersByTime(1_000);
    expect(lines).toHaveLength(3);
    expect(lines[2]!.fields.suppressed).toBe(300);

    // Quiet for an interval: forgotten, and the timer stops.
    vi.advanceTimersByTime(1_000);
    expect(log.trackedSources).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    log.log('203.0.113.9', { n: 'again' });
    expect(lines.at(-1)).toEqual({ fields: { n: 'again' }, message: 'request refused' });
    log.close();
  });

  it('keeps sources apart, and bounds memory: sources past maxSources share one "other" entry', () => {
    const lines: Line[] = [];
    const log = new RateLimitedLog(recorder(lines), 'warn', 'request refused', { intervalMs: 1_000, maxSources: 3 });
    for (let i = 0; i < 1_000; i++) log.log(`198.51.100.${i % 250}`, { i });
    expect(log.trackedSources).toBe(4); // three sources + "other"
    expect(lines).toHaveLength(4);
    vi.advanceTimersByTime(1_000);
    const other = lines.find((line) => line.fields.source === 'other' && line.fields.suppressed !== undefined);
    expect(other?.fields.suppressed).toBe(1_000 - 4 - 3 * 3);
    expect(lines.length).toBeLessThanOrEqual(8);
    log.close();
  });

  it('close() and an aborted signal write the pending summary and clear the unref\'d timer', () => {
    const lines: Line[] = [];
    const controller = new AbortController();
    const log = new RateLimitedLog(recorder(lines), 'warn', 'request refused', { signal: controller.signal });
    log.log('a', {});
    log.log('a', {});
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    expect(vi.getTimerCount()).toBe(0);
    expect(lines).toHaveLength(2);
    expect(lines[1]!.fields.suppressed).toBe(1);
    // After close: nothing is held back any more (no timer to report it).
    log.log('a', { late: true });
    expect(lines).toHaveLength(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a quiet server keeps no timer at all', () => {
    const log = new RateLimitedLog(recorder([]), 'warn', 'request refused');
    expect(vi.getTimerCount()).toBe(0);
    log.close();
  });
});
