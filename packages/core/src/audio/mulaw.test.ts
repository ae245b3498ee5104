import alawmulaw from 'alawmulaw';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import { decodeMulaw, encodeMulaw, mulawToPcm16, pcm16ToMulaw } from './mulaw.js';

const ALL_CODES = Uint8Array.from({ length: 256 }, (_, i) => i);
const ALL_SAMPLES = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);

describe('μ-law codec', () => {
  it('decodes every code like alawmulaw', () => {
    expect(Array.from(mulawToPcm16(ALL_CODES))).toEqual(Array.from(alawmulaw.mulaw.decode(ALL_CODES)));
  });

  it('encodes every 16-bit sample like alawmulaw', () => {
    expect(pcm16ToMulaw(ALL_SAMPLES)).toEqual(alawmulaw.mulaw.encode(ALL_SAMPLES));
  });

  it('round-trips all 256 codes through decode then encode (0x7f, negative zero, becomes 0xff)', () => {
    const codes = pcm16ToMulaw(mulawToPcm16(ALL_CODES));
    const expected = Array.from(ALL_CODES, (c) => (c === 0x7f ? 0xff : c));
    expect(Array.from(codes)).toEqual(expected);
    expect(Array.from(mulawToPcm16(codes))).toEqual(Array.from(mulawToPcm16(ALL_CODES)));
  });

  it('writes into caller buffers and returns the count', () => {
    const dst = new Int16Array(4).fill(7);
    expect(decodeMulaw(Uint8Array.of(0xff, 0x80), dst)).toBe(2);
    expect(Array.from(dst)).toEqual([0, 32124, 7, 7]);
    const enc = new Uint8Array(3);
    expect(encodeMulaw(Int16Array.of(0, 32767), enc)).toBe(2);
    expect(Array.from(enc)).toEqual([0xff, 0x80, 0]);
  });

  it('rejects an output buffer that is too small', () => {
    expect(() => decodeMulaw(new Uint8Array(4), new Int16Array(3))).toThrow(ConfigError);
    expect(() => encodeMulaw(new Int16Array(4), new Uint8Array(3))).toThrow(ConfigError);
  });
});
