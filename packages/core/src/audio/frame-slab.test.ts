import { describe, expect, it } from 'vitest';
import { createFrameConverter } from '../session/pipeline/audio-path.js';
import { MULAW_8K, PCM16_16K } from './audio-format.js';
import { agentAudio, copyFrame } from './frame-slab.js';

describe('copyFrame', () => {
  it('gives independent, 8-byte-aligned copies that share slabs but never bytes', () => {
    const copies: Uint8Array[] = [];
    const source = new Uint8Array(643); // odd size: the next copy must still start aligned
    for (let i = 0; i < 200; i++) {
      source.fill(i & 0xff);
      copies.push(copyFrame(source));
    }
    source.fill(0xee); // the caller's buffer is reused: no copy changes
    copies.forEach((copy, i) => {
      expect(copy.byteLength).toBe(643);
      expect(copy.byteOffset % 8).toBe(0);
      expect(copy.every((b) => b === (i & 0xff))).toBe(true);
    });
    expect(copies[0]!.buffer).toBe(copies[1]!.buffer); // one backing store for many frames
    expect(new Set(copies.map((c) => c.buffer)).size).toBeLessThan(20);
  });

  it('copies large frames into their own array', () => {
    const big = new Uint8Array(8192).fill(7);
    const copy = copyFrame(big);
    expect(copy.byteLength).toBe(8192);
    expect(copy.buffer).not.toBe(big.buffer);
    expect(copy.byteOffset).toBe(0);
    expect(copy.buffer.byteLength).toBe(8192);
  });

  it('frame converters hand out kept frames without a backing store per frame', () => {
    const convert = createFrameConverter(MULAW_8K, PCM16_16K)!;
    const input = new Uint8Array(160).fill(0x80);
    const first = convert(input);
    const firstBytes = Buffer.from(first).toString('hex');
    input.fill(0x00);
    const second = convert(input);
    expect(first.buffer).toBe(second.buffer); // the same slab, not a new ArrayBuffer per frame
    expect([first.byteLength, second.byteLength]).toEqual([640, 640]);
    expect(Buffer.from(first).toString('hex')).toBe(firstBytes); // the second conversion left the first frame alone
    expect(Buffer.from(second).toString('hex')).not.toBe(firstBytes);
  });

  it('agent audio (queued for playout) is carved from slabs of its own, never shared with caller frames', () => {
    const toCarrier = createFrameConverter(PCM16_16K, MULAW_8K, agentAudio)!;
    const fromCarrier = createFrameConverter(MULAW_8K, PCM16_16K)!;
    const agent = [toCarrier(new Uint8Array(640)), toCarrier(new Uint8Array(640))];
    const caller = fromCarrier(new Uint8Array(160));
    expect(agent[0]!.buffer).toBe(agent[1]!.buffer);
    expect(agent[0]!.buffer).not.toBe(caller.buffer);
    expect(copyFrame(new Uint8Array(8)).buffer).not.toBe(agentAudio.copy(new Uint8Array(8)).buffer);
  });
});
