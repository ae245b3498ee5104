import { describe, expect, it } from 'vitest';
import { MULAW_8K, PCM16_16K } from './audio-format.js';
import { comfortTone } from './comfort-tone.js';
import { decodeSamples } from './encode-samples.js';

describe('comfortTone', () => {
  it('is a deterministic 1.2 s soft chime in the asked format, audible but quiet, with silent pauses', () => {
    const tone = comfortTone(MULAW_8K);
    expect(tone.length).toBe(9600);
    expect(comfortTone(MULAW_8K)).toBe(tone);
    const samples = decodeSamples(tone, MULAW_8K);
    const peak = samples.reduce((max, s) => Math.max(max, Math.abs(s)), 0);
    expect(peak).toBeGreaterThan(1000);
    expect(peak).toBeLessThan(2000);
    // The pause after the notes is digital silence; the clip starts and ends without a click.
    expect(samples.subarray(5000).every((s) => Math.abs(s) < 8)).toBe(true);
    expect(Math.abs(samples[0] ?? 1)).toBeLessThan(8);
    const pcm = decodeSamples(comfortTone(PCM16_16K), PCM16_16K);
    expect(pcm.length).toBe(19200);
  });
});
