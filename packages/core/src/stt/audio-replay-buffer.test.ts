import { describe, expect, it } from 'vitest';
import { audioRingPool } from '../audio/byte-array-pool.js';
import { AudioReplayBuffer } from './audio-replay-buffer.js';

/** 20 ms of PCM16 16 kHz whose bytes tell their stream position. */
function frame(pos: number, bytes = 640): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (pos + i) % 251;
  return out;
}

/** Byte equality (vitest's deep equality is slow on large typed arrays). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('AudioReplayBuffer', () => {
  it('holds a ring the size of what it holds, not of its 15 s capacity', () => {
    const buffer = new AudioReplayBuffer(480_000); // 15 s of PCM16 16 kHz
    expect(buffer.capacity).toBe(480_000);
    expect(buffer.allocatedBytes).toBe(0);
    for (let pos = 0; pos < 32_000; pos += 640) buffer.write(frame(pos)); // 1 s, no final yet
    expect(buffer.allocatedBytes).toBeLessThanOrEqual(65_536);
    expect(same(buffer.read(0, 32_000), Uint8Array.from({ length: 32_000 }, (_, i) => i % 251))).toBe(true);
  });

  it('keeps its size across finals (bounded by the longest utterance) and gives its ring back when empty', () => {
    const buffer = new AudioReplayBuffer(480_000);
    for (let pos = 0; pos < 96_000; pos += 640) buffer.write(frame(pos)); // 3 s utterance
    const grown = buffer.allocatedBytes;
    expect(grown).toBeGreaterThanOrEqual(96_000);
    expect(grown).toBeLessThanOrEqual(131_072);
    buffer.trim(96_000 - 6_400); // final: 200 ms after it remain
    expect(buffer.allocatedBytes).toBe(grown);
    expect(same(buffer.read(0, 96_000), frame(96_000 - 6_400, 6_400))).toBe(true);
    for (let pos = 96_000; pos < 96_000 + 32_000; pos += 640) buffer.write(frame(pos)); // a shorter utterance: no growth
    expect(buffer.allocatedBytes).toBe(grown);
    expect(same(buffer.read(0, 128_000), frame(96_000 - 6_400, 38_400))).toBe(true);
    const pooled = audioRingPool.pooledBytes;
    buffer.trim(128_000);
    expect(buffer.allocatedBytes).toBe(0);
    expect(audioRingPool.pooledBytes).toBeGreaterThan(pooled);
    buffer.write(frame(128_000));
    expect(same(buffer.read(0, 200_000), frame(128_000))).toBe(true);
    expect([buffer.start, buffer.end]).toEqual([128_000, 128_640]);
  });

  it('keeps a ring no larger than keepBytes when a final empties it (no regrowth at every utterance), not a larger one', () => {
    const buffer = new AudioReplayBuffer(480_000, 160_000); // keeps up to 5 s of PCM16 16 kHz
    for (let pos = 0; pos < 64_000; pos += 640) buffer.write(frame(pos)); // 2 s utterance
    const ring = buffer.allocatedBytes;
    expect(ring).toBeGreaterThanOrEqual(64_000);
    const pooled = audioRingPool.pooledBytes;
    buffer.trim(64_000); // final: nothing left
    expect(buffer.allocatedBytes).toBe(ring);
    expect(audioRingPool.pooledBytes).toBe(pooled);
    for (let pos = 64_000; pos < 128_000; pos += 640) buffer.write(frame(pos)); // the next one: no growth
    expect(buffer.allocatedBytes).toBe(ring);
    expect(same(buffer.read(0, 128_000), frame(64_000, 64_000))).toBe(true);
    for (let pos = 128_000; pos < 320_000; pos += 640) buffer.write(frame(pos)); // 6 s without a final
    expect(buffer.allocatedBytes).toBeGreaterThan(160_000);
    buffer.trim(320_000);
    expect(buffer.allocatedBytes).toBe(0); // a long utterance's ring goes back
  });

  it('release() forgets what it holds and returns the ring; positions go on', () => {
    const buffer = new AudioReplayBuffer(10_000);
    buffer.write(frame(0, 3_000));
    buffer.release();
    expect(buffer.allocatedBytes).toBe(0);
    expect(buffer.read(0, 3_000).byteLength).toBe(0);
    expect([buffer.start, buffer.end]).toEqual([3_000, 3_000]);
  });

  it('matches a plain array under random writes, trims and reads across growth, wrap and overflow', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const cap = 20_000;
    const buffer = new AudioReplayBuffer(cap);
    let start = 0;
    let end = 0;
    let dropped = 0;
    for (let step = 0; step < 2_000; step++) {
      const op = random(10);
      if (op < 6) {
        const size = random(op === 0 ? 30_000 : 2_000);
        buffer.write(frame(end, size));
        end += size;
        if (end - start > cap) {
          dropped += end - cap - start;
          start = end - cap;
        }
      } else if (op < 8) {
        const to = start + random(end - start + 1);
        buffer.trim(to);
        start = to;
      } else {
        const from = start + random(end - start + 1);
        const to = from + random(end - from + 1);
        expect(same(buffer.read(from, to), frame(from, to - from))).toBe(true);
      }
      expect([buffer.start, buffer.end, buffer.droppedBytes]).toEqual([start, end, dropped]);
      expect(buffer.allocatedBytes).toBeLessThanOrEqual(cap);
      if (end === start) expect(buffer.allocatedBytes).toBe(0);
    }
    expect(same(buffer.read(start, end), frame(start, end - start))).toBe(true);
  });
});
