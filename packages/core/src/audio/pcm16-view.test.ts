import { describe, expect, it } from 'vitest';
import { pcm16Bytes, pcm16Samples } from './pcm16-view.js';

describe('PCM16 views', () => {
  it('reads little-endian samples without copying when aligned', () => {
    const bytes = Uint8Array.of(0x01, 0x00, 0xff, 0xff, 0x00, 0x80);
    const samples = pcm16Samples(bytes);
    expect(Array.from(samples)).toEqual([1, -1, -32768]);
    samples[0] = 0x0203;
    expect(bytes[0]).toBe(0x03);
    expect(bytes[1]).toBe(0x02);
  });

  it('copies when the bytes start at an odd offset, and drops a trailing odd byte', () => {
    const backing = Uint8Array.of(9, 0x34, 0x12, 0xfe, 0xff, 0x77);
    const samples = pcm16Samples(backing.subarray(1));
    expect(Array.from(samples)).toEqual([0x1234, -2]);
    samples[0] = 0;
    expect(backing[1]).toBe(0x34);
  });

  it('views samples as bytes sharing memory', () => {
    const samples = Int16Array.of(0x1234, -2);
    const bytes = pcm16Bytes(samples.subarray(1));
    expect(Array.from(bytes)).toEqual([0xfe, 0xff]);
    bytes[0] = 0;
    expect(samples[1]).toBe(-256);
  });
});
