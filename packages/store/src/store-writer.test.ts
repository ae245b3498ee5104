import { describe, expect, it, vi } from 'vitest';
import { createConsoleLogger } from '@patter/core';
import { StoreWriter } from './store-writer.js';

function recordingLogger() {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const logger = createConsoleLogger({ level: 'debug', write: (line) => {
    const { level, msg, ...fields } = JSON.parse(line) as { level: string; msg: string };
    lines.push({ level, msg, fields });
  } });
  return { logger, lines };
}

describe('StoreWriter', () => {
  it('keeps failed writes queued, retries with backoff and lands them in order once the database is back', async () => {
    vi.useFakeTimers();
    try {
      const { logger, lines } = recordingLogger();
      const writer = new StoreWriter({ logger, retryMs: 1000, maxRetryMs: 4000 });
      let down = true;
      const landed: number[] = [];
      for (let i = 1; i <= 3; i++) {
        writer.enqueue(`call ${i}`, async () => {
          if (down) throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.1 secret transcript'), { code: 'ECONNREFUSED' });
          landed.push(i);
        });
      }
      await vi.advanceTimersByTimeAsync(0);
      expect(writer.pending).toBe(3);
      await vi.advanceTimersByTimeAsync(1000 + 2000 + 4000 + 4000);
      expect(landed).toEqual([]);
      const waits = lines.filter((l) => l.msg === 'store write failed: will retry').map((l) => l.fields.retryInMs);
      expect(waits).toEqual([1000, 2000, 4000, 4000, 4000]);
      expect(JSON.stringify(lines)).not.toContain('secret transcript');
      down = false;
      await vi.advanceTimersByTimeAsync(4000);
      expect(landed).toEqual([1, 2, 3]);
      expect(writer.pending).toBe(0);
      expect(lines.some((l) => l.msg === 'store reachable again: writes resumed')).toBe(true);
      await writer.close();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('is bounded: past maxPending the oldest waiting write is dropped with an error log', async () => {
    const { logger, lines } = recordingLogger();
    const writer = new StoreWriter({ logger, maxPending: 2, retryMs: 60_000 });
    let release!: () => void;
    const landed: string[] = [];
    writer.enqueue('a', () => new Promise<void>((resolve) => (release = () => { landed.push('a'); resolve(); })));
    writer.enqueue('b', async () => void landed.push('b'));
    writer.enqueue('c', async () => void landed.push('c'));
    expect(lines.find((l) => l.msg === 'store write queue full: oldest write dropped')?.fields.label).toBe('b');
    release();
    await writer.idle();
    expect(landed).toEqual(['a', 'c']);
    await writer.close();
  });

  it('close() gives up after its timeout and reports the writes lost', async () => {
    const { logger, lines } = recordingLogger();
    const writer = new StoreWriter({ logger, retryMs: 60_000 });
    writer.enqueue('x', () => Promise.reject(new Error('down')));
    expect(await writer.close(50)).toBe(1);
    expect(lines.some((l) => l.level === 'error' && l.msg === 'store writes lost at shutdown: the database stayed unreachable')).toBe(true);
  });
});
