import { describe, expect, it } from 'vitest';
import { AsyncQueue } from './async-queue.js';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('AsyncQueue', () => {
  it('delivers items pushed before and after the consumer waits, then ends', async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    const done = collect(q);
    q.push(2);
    await Promise.resolve();
    q.push(3);
    q.end();
    expect(await done).toEqual([1, 2, 3]);
  });

  it('throws the failure after the queued items', async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    q.fail(new Error('boom'));
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const item of q) seen.push(item);
      })(),
    ).rejects.toThrow('boom');
    expect(seen).toEqual([1]);
  });

  it('drops the oldest items beyond its bound and counts them', async () => {
    const q = new AsyncQueue<number>(3);
    for (let i = 0; i < 5; i++) q.push(i);
    q.end();
    expect(await collect(q)).toEqual([2, 3, 4]);
    expect(q.dropped).toBe(2);
  });

  it('ignores pushes after end and stops when the consumer breaks', async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    q.push(2);
    for await (const item of q) {
      expect(item).toBe(1);
      break;
    }
    q.push(3);
    expect(q.closed).toBe(true);
    expect(q.size).toBe(0);
  });
});
