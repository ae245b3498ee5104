import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import { ALAW_8K, MULAW_8K, PCM16_16K, PCM16_24K, PCM16_44K, PCM16_48K, PCM16_8K, audioFormat } from './audio-format.js';
import { negotiateFormat } from './negotiate-format.js';

describe('negotiateFormat', () => {
  it('passes through when the source is accepted, wherever it is listed', () => {
    const got = negotiateFormat(audioFormat('mulaw', 8000), [PCM16_16K, MULAW_8K]);
    expect(got.target).toBe(MULAW_8K);
    expect(got.chain).toEqual([]);
  });

  it('prefers another codec at the same rate over resampling', () => {
    expect(negotiateFormat(MULAW_8K, [PCM16_16K, PCM16_8K])).toEqual({
      target: PCM16_8K,
      chain: [{ kind: 'decode', from: 'mulaw' }],
    });
    expect(negotiateFormat(MULAW_8K, [PCM16_16K, ALAW_8K])).toEqual({
      target: ALAW_8K,
      chain: [
        { kind: 'decode', from: 'mulaw' },
        { kind: 'encode', to: 'alaw' },
      ],
    });
    // one codec step beats two
    expect(negotiateFormat(MULAW_8K, [ALAW_8K, PCM16_8K]).target).toBe(PCM16_8K);
  });

  it('resamples to the nearest rate, the lower one on a tie', () => {
    expect(negotiateFormat(MULAW_8K, [PCM16_48K, PCM16_16K, PCM16_24K])).toEqual({
      target: PCM16_16K,
      chain: [
        { kind: 'decode', from: 'mulaw' },
        { kind: 'resample', fromRate: 8000, toRate: 16000 },
      ],
    });
    expect(negotiateFormat(PCM16_24K, [PCM16_48K, MULAW_8K, PCM16_16K]).target).toBe(PCM16_16K);
    expect(negotiateFormat(PCM16_24K, [PCM16_48K, audioFormat('pcm16', 12000)]).target.sampleRate).toBe(12000);
    expect(negotiateFormat(PCM16_24K, [MULAW_8K])).toEqual({
      target: MULAW_8K,
      chain: [
        { kind: 'resample', fromRate: 24000, toRate: 8000 },
        { kind: 'encode', to: 'mulaw' },
      ],
    });
    expect(negotiateFormat(PCM16_44K, [PCM16_48K, ALAW_8K]).target).toBe(PCM16_48K);
  });

  it('throws a ConfigError when nothing is accepted', () => {
    expect(() => negotiateFormat(MULAW_8K, [])).toThrow(ConfigError);
  });
});
