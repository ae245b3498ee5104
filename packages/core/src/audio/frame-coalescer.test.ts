import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import { MULAW_8K, PCM16_16K } from './audio-format.js';
import { FrameCoalescer } from './frame-coalescer.js';

const bytes = (n: number, start = 0): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);

describe('FrameCoalescer', () => {
  it('emits 50 ms chunks from 20 ms frames, in order, without losing a byte', () => {
    const c = new FrameCoalescer({ format: PCM16_16K, minMs: 50 });
    expect(c.minBytes).toBe(1600);
    const out: Uint8Array[] = [];
    const sent: number[] = [];
    for (let i = 0; i < 10; i++) {
      const frame = bytes(640, i * 640);
      sent.push(...frame);
      const chunk = c.push(frame);
      if (chunk) out.push(chunk);
    }
    expect(out.map((c) => c.length)).toEqual([1920, 1920, 1920]);
    expect(c.bufferedBytes).toBe(640);
    const rest = c.flush();
    expect(rest?.length).toBe(640);
    expect(out.concat(rest!).flatMap((c) => Array.from(c))).toEqual(sent);
    expect(c.flush()).toBeUndefined();
  });

  it('returns a long-enough frame itself when nothing is held', () => {
    const c = new FrameCoalescer({ format: MULAW_8K, minMs: 20 });
    const frame = bytes(160);
    expect(c.push(frame)).toBe(frame);
  });

  it('keeps whole PCM16 samples when frames split a sample', () => {
    const c = new FrameCoalescer({ format: PCM16_16K, minMs: 10 });
    expect(c.push(bytes(301))).toBeUndefined();
    const chunk = c.push(bytes(20, 45));
    expect(chunk?.length).toBe(320);
    expect(c.bufferedBytes).toBe(1);
    expect(c.push(bytes(319, 65))?.length).toBe(320);
  });

  it('never holds more than minMs, even for one huge frame after a small one', () => {
    const c = new FrameCoalescer({ format: MULAW_8K, minMs: 50 });
    c.push(bytes(100));
    expect(c.push(bytes(8000))?.length).toBe(8100);
    expect(c.bufferedBytes).toBe(0);
  });

  it('reset drops held audio; bad minMs is a ConfigError', () => {
    const c = new FrameCoalescer({ format: MULAW_8K, minMs: 50 });
    c.push(bytes(100));
    c.reset();
    expect(c.flush()).toBeUndefined();
    expect(() => new FrameCoalescer({ format: MULAW_8K, minMs: 0 })).toThrow(ConfigError);
  });
});
