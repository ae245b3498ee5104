import { describe, expect, it } from 'vitest';
import { applyGain, dbToGain } from './pcm-gain.js';
import { isSilent, pcm16Dbfs, pcm16Rms } from './pcm-level.js';
import { tone } from './test-signals.js';

describe('PCM level and gain', () => {
  it('measures a full-scale sine at −3 dBFS and a −20 dB one 20 dB lower', () => {
    expect(pcm16Dbfs(tone(1000, 8000, 0.1, 32767))).toBeCloseTo(-3.01, 1);
    expect(pcm16Dbfs(tone(1000, 8000, 0.1, 3277))).toBeCloseTo(-23.01, 1);
    expect(pcm16Rms(Int16Array.of(3, -3, 3, -3))).toBe(3);
  });

  it('calls digital silence -Infinity and quiet noise silent', () => {
    expect(pcm16Dbfs(new Int16Array(160))).toBe(-Infinity);
    expect(pcm16Rms(new Int16Array(0))).toBe(0);
    expect(isSilent(Int16Array.from({ length: 160 }, (_, i) => (i % 2 ? 20 : -20)))).toBe(true);
    expect(isSilent(tone(440, 8000, 0.02, 3000))).toBe(false);
    expect(isSilent(tone(440, 8000, 0.02, 3000), -10)).toBe(true);
  });

  it('applies gain with rounding and saturation, in place or into dst', () => {
    const src = Int16Array.of(100, -100, 20000, -20000);
    const dst = new Int16Array(4);
    expect(Array.from(applyGain(src, 2, dst))).toEqual([200, -200, 32767, -32768]);
    expect(Array.from(src)).toEqual([100, -100, 20000, -20000]);
    applyGain(src, dbToGain(-6.0206));
    expect(Array.from(src)).toEqual([50, -50, 10000, -10000]);
  });
});
