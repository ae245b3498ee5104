import { describe, expect, it, vi } from 'vitest';
import { StreamIdleTimeoutError } from '../errors/stream-idle-timeout-error.js';
import { AsyncQueue } from '../util/async-queue.js';
import { delay } from '../util/abort.js';
import { withIdleTimeout } from './with-idle-timeout.js';

describe('withIdleTimeout', () => {
  it('passes items through, then fails with StreamIdleTimeoutError naming the provider when the source goes quiet', async () => {
    const source = new AsyncQueue<number>();
    source.push(1);
    source.push(2);
    let timedOut = 0;
    const seen: number[] = [];
    const started = performance.now();
    const error = await (async () => {
      for await (const n of withIdleTimeout(source, { provider: 'acme', idleTimeoutMs: 150, onTimeout: () => { timedOut++; source.end(); } })) seen.push(n);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([1, 2]);
    expect(error).toBeInstanceOf(StreamIdleTimeoutError);
    expect(error).toMatchObject({ provider: 'acme', idleMs: 150, retryable: false, message: 'acme: stream stalled: nothing received for 150 ms' });
    expect(timedOut).toBe(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('re-arms per item, and a slow consumer holding an item is not a stall', async () => {
    const source = new AsyncQueue<number>();
    const feeder = (async () => {
      for (let i = 0; i < 4; i++) {
        await delay(60);
        source.push(i);
      }
      source.end();
    })();
    const seen: number[] = [];
    for await (const n of withIdleTimeout(source, { provider: 'acme', idleTimeoutMs: 300 })) {
      seen.push(n);
      if (n === 0) await delay(500); // the consumer is busy longer than the timeout
    }
    await feeder;
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it('clears its timer when the consumer breaks out or the source ends, and returns the source', async () => {
    let returned = false;
    const source = (async function* () {
      try {
        yield 1;
        yield 2;
      } finally {
        returned = true;
      }
    })();
    vi.useFakeTimers();
    try {
      for await (const n of withIdleTimeout(source, { provider: 'acme', idleTimeoutMs: 100 })) {
        expect(vi.getTimerCount()).toBe(1);
        if (n === 1) break;
      }
      expect(returned).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
      const ended = new AsyncQueue<number>();
      ended.push(7);
      ended.end();
      const all: number[] = [];
      for await (const n of withIdleTimeout(ended, { provider: 'acme', idleTimeoutMs: 100 })) all.push(n);
      expect(all).toEqual([7]);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
    const none = withIdleTimeout((async function* () {})(), { provider: 'acme', idleTimeoutMs: 0 });
    expect(await none.next()).toEqual({ value: undefined, done: true });
  });
});
