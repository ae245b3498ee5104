import { describe, expect, it } from 'vitest';
import { encodeWav } from '../audio/wav.js';
import { stripWavHeader, wavHeaderLength, WavHeaderStripper } from './wav-header.js';

function bytes(n: number, start = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (start + i * 7) & 0xff;
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('WAV header stripping', () => {
  const pcm = bytes(100);
  const wav = encodeWav(pcm, { sampleRate: 16000, channels: 1 });

  it('finds the data chunk, walking extra chunks', () => {
    expect(wavHeaderLength(wav)).toBe(44);
    expect(stripWavHeader(wav)).toEqual(pcm);
    const list = new Uint8Array(wav.length + 12);
    list.set(wav.subarray(0, 36));
    list.set([0x4c, 0x49, 0x53, 0x54, 3, 0, 0, 0, 1, 2, 3, 0], 36); // LIST, size 3 + pad byte
    list.set(wav.subarray(36), 48);
    expect(wavHeaderLength(list)).toBe(56);
    expect(stripWavHeader(list)).toEqual(pcm);
    expect(wavHeaderLength(pcm)).toBe(0);
    expect(stripWavHeader(pcm)).toBe(pcm);
  });

  it('strips a header split across stream chunks and passes headerless streams through', () => {
    const stripper = new WavHeaderStripper();
    const parts = [wav.subarray(0, 3), wav.subarray(3, 20), wav.subarray(20, 47), wav.subarray(47)];
    expect(concat(parts.map((p) => stripper.push(p)))).toEqual(pcm);
    const plain = new WavHeaderStripper();
    const first = pcm.subarray(0, 10);
    expect(plain.push(first)).toEqual(first);
    expect(plain.push(wav)).toBe(wav);
  });
});
