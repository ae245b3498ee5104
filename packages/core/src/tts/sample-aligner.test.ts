import { describe, expect, it } from 'vitest';
import { SampleAligner } from './sample-aligner.js';

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

describe('SampleAligner', () => {
  it('re-aligns odd chunk boundaries so every output is whole samples and nothing is lost', () => {
    const audio = bytes(1000);
    const sizes = [1, 3, 2, 5, 7, 1, 1, 64, 33, 0, 4];
    const aligner = new SampleAligner(2);
    const out: Uint8Array[] = [];
    let offset = 0;
    for (let i = 0; offset < audio.length; i++) {
      const size = Math.min(sizes[i % sizes.length] as number, audio.length - offset);
      const piece = aligner.push(audio.subarray(offset, offset + size));
      offset += size;
      expect(piece.length % 2).toBe(0);
      if (piece.length) out.push(piece);
    }
    expect(aligner.flush()).toBe(0);
    expect(concat(out)).toEqual(audio);
  });

  it('returns an aligned chunk itself (no copy) when nothing is carried', () => {
    const aligner = new SampleAligner(2);
    const chunk = bytes(320);
    expect(aligner.push(chunk)).toBe(chunk);
    const odd = bytes(9);
    const head = aligner.push(odd);
    expect(head.buffer).toBe(odd.buffer);
    expect(head.length).toBe(8);
    expect(aligner.pending).toBe(1);
  });

  it('passes 1-byte samples through and reports a dropped half sample at the end', () => {
    const g711 = new SampleAligner(1);
    const odd = bytes(3);
    expect(g711.push(odd)).toBe(odd);
    const pcm = new SampleAligner(2);
    pcm.push(bytes(5));
    expect(pcm.flush()).toBe(1);
    expect(pcm.pending).toBe(0);
  });
});
