import alawmulaw from 'alawmulaw';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import { alawToPcm16, decodeAlaw, encodeAlaw, pcm16ToAlaw } from './alaw.js';

const ALL_CODES = Uint8Array.from({ length: 256 }, (_, i) => i);
const ALL_SAMPLES = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);

describe('A-law codec', () => {
  it('decodes every code like alawmulaw', () => {
    expect(Array.from(alawToPcm16(ALL_CODES))).toEqual(Array.from(alawmulaw.alaw.decode(ALL_CODES)));
  });

  it('encodes every 16-bit sample like alawmulaw', () => {
    expect(pcm16ToAlaw(ALL_SAMPLES)).toEqual(alawmulaw.alaw.encode(ALL_SAMPLES));
  });

  it('round-trips all 256 codes through decode then encode', () => {
    expect(Array.from(pcm16ToAlaw(alawToPcm16(ALL_CODES)))).toEqual(Array.from(ALL_CODES));
  });

  it('writes into caller buffers and returns the count', () => {
    const dst = new Int16Array(3);
    expect(decodeAlaw(Uint8Array.of(0xd5, 0x55), dst)).toBe(2);
    expect(Array.from(dst)).toEqual([8, -8, 0]);
    const enc = new Uint8Array(2);
    expect(encodeAlaw(Int16Array.of(8, -8), enc)).toBe(2);
    expect(Array.from(enc)).toEqual([0xd5, 0x55]);
  });

  it('rejects an output buffer that is too small', () => {
    expect(() => decodeAlaw(new Uint8Array(2), new Int16Array(1))).toThrow(ConfigError);
    expect(() => encodeAlaw(new Int16Array(2), new Uint8Array(1))).toThrow(ConfigError);
  });
});
