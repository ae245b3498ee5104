import { describe, expect, it } from 'vitest';
import { MULAW_8K, PCM16_16K } from '../audio/audio-format.js';
import { ConfigError } from '../errors/config-error.js';
import { mulawToPcm16 } from '../audio/mulaw.js';
import { DTMF_FREQUENCIES, dtmfAudio, dtmfPcm } from './dtmf-tones.js';

const ROWS = [697, 770, 852, 941];
const COLS = [1209, 1336, 1477, 1633];

function goertzel(samples: ArrayLike<number>, start: number, length: number, freq: number, rate: number): number {
  const k = 2 * Math.cos((2 * Math.PI * freq) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < length; i++) {
    const s = samples[start + i]! + k * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return s1 * s1 + s2 * s2 - k * s1 * s2;
}

function strongest(samples: ArrayLike<number>, start: number, length: number, freqs: number[], rate: number): number {
  let best = 0;
  let bestPower = -1;
  for (const f of freqs) {
    const p = goertzel(samples, start, length, f, rate);
    if (p > bestPower) [best, bestPower] = [f, p];
  }
  return best;
}

describe('dtmf tones', () => {
  it('uses the exact Q.23 pairs for all 16 keys', () => {
    expect(DTMF_FREQUENCIES['1']).toEqual([697, 1209]);
    expect(DTMF_FREQUENCIES['0']).toEqual([941, 1336]);
    expect(DTMF_FREQUENCIES['#']).toEqual([941, 1477]);
    expect(DTMF_FREQUENCIES.D).toEqual([941, 1633]);
    expect(Object.keys(DTMF_FREQUENCIES)).toHaveLength(16);
  });

  it('μ-law tones decode to the right row and column, 100 ms tone + 100 ms gap each', () => {
    const digits = '123A456B789C*0#D';
    const audio = dtmfAudio(digits, MULAW_8K);
    expect(audio.byteLength).toBe(digits.length * 1600);
    const pcm = mulawToPcm16(audio);
    [...digits].forEach((digit, i) => {
      const start = i * 1600 + 40; // skip the ramp
      const [row, col] = DTMF_FREQUENCIES[digit]!;
      expect(strongest(pcm, start, 720, ROWS, 8000)).toBe(row);
      expect(strongest(pcm, start, 720, COLS, 8000)).toBe(col);
      // The gap is silence.
      const gap = pcm.subarray(i * 1600 + 800, i * 1600 + 1600);
      expect(Math.max(...gap.map(Math.abs))).toBeLessThan(16);
    });
  });

  it('pauses 500 ms for w and stays below clipping', () => {
    const pcm = dtmfPcm('1w2', 8000);
    expect(pcm.length).toBe(1600 + 4000 + 1600);
    expect(Math.max(...pcm.map(Math.abs))).toBeLessThan(32767 * 0.72);
    expect(Math.max(...pcm.subarray(1600, 5600).map(Math.abs))).toBe(0);
  });

  it('produces PCM16 little-endian at the format rate', () => {
    const bytes = dtmfAudio('5', PCM16_16K, { toneMs: 50, gapMs: 0 });
    expect(bytes.byteLength).toBe(800 * 2);
    const pcm = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
    expect(strongest(pcm, 40, 700, ROWS, 16000)).toBe(770);
    expect(strongest(pcm, 40, 700, COLS, 16000)).toBe(1336);
  });

  it('rejects characters that are not DTMF', () => {
    expect(() => dtmfPcm('12x', 8000)).toThrow(ConfigError);
  });
});
