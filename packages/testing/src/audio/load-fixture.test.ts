import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath } from './fixture-path.js';
import { FIXTURE_NAMES } from './fixture-texts.js';
import { loadFixture } from './load-fixture.js';
import { bytesToPcm, mulawToPcm, pcmToBytes } from './pcm-bytes.js';
import { parseWav } from './parse-wav.js';
import { silence, sineWave } from './tones.js';

const rms = (pcm: Int16Array): number => Math.sqrt(pcm.reduce((s, v) => s + v * v, 0) / Math.max(1, pcm.length));

describe('loadFixture', () => {
  it('loads every speech fixture as 16 kHz PCM16 with its text and audible speech', () => {
    for (const name of FIXTURE_NAMES) {
      const f = loadFixture(name);
      expect(f.format).toEqual({ encoding: 'pcm16', sampleRate: 16000, channels: 1 });
      expect(f.bytes.byteLength).toBe(f.pcm.length * 2);
      expect(f.durationMs).toBeCloseTo((f.pcm.length / 16000) * 1000, 5);
      if (name === 'silence-1s') {
        expect(f.durationMs).toBe(1000);
        expect(rms(f.pcm)).toBe(0);
        expect(f.text).toBe('');
      } else {
        expect(f.durationMs).toBeGreaterThan(400);
        expect(f.durationMs).toBeLessThan(3000);
        expect(rms(f.pcm)).toBeGreaterThan(1000);
        expect(f.text.length).toBeGreaterThan(1);
      }
    }
    expect(loadFixture('book-a-table').text).toBe("I'd like to book a table for two");
  });

  it('loads the μ-law 8 kHz copy with the same duration and comparable loudness', () => {
    for (const name of FIXTURE_NAMES) {
      const wide = loadFixture(name);
      const narrow = loadFixture(name, 'mulaw-8k');
      expect(narrow.format).toEqual({ encoding: 'mulaw', sampleRate: 8000, channels: 1 });
      expect(narrow.bytes.byteLength).toBe(narrow.pcm.length);
      expect(Math.abs(narrow.durationMs - wide.durationMs)).toBeLessThan(1);
      if (name !== 'silence-1s') expect(rms(narrow.pcm) / rms(wide.pcm)).toBeGreaterThan(0.7);
      else expect(rms(narrow.pcm)).toBeLessThan(10);
    }
  });

  it('matches the WAV file byte for byte and keeps the fixtures small', () => {
    let total = 0;
    for (const name of FIXTURE_NAMES) {
      for (const variant of ['pcm16-16k', 'mulaw-8k'] as const) {
        const file = new Uint8Array(readFileSync(fixturePath(name, variant)));
        total += file.byteLength;
        expect([...parseWav(file).data.subarray(0, 64)]).toEqual([...loadFixture(name, variant).bytes.subarray(0, 64)]);
      }
    }
    expect(total).toBeLessThan(1_000_000);
  });
});

describe('audio helpers', () => {
  it('sineWave has the requested length, amplitude and frequency', () => {
    const tone = sineWave({ frequency: 1000, durationMs: 100, sampleRate: 8000, amplitude: 0.25 });
    expect(tone.length).toBe(800);
    expect(Math.max(...tone)).toBeGreaterThan(0.24 * 32767);
    expect(Math.max(...tone)).toBeLessThanOrEqual(Math.ceil(0.25 * 32767));
    let crossings = 0;
    for (let i = 1; i < tone.length; i++) if ((tone[i - 1] as number) < 0 && (tone[i] as number) >= 0) crossings++;
    expect(crossings).toBeGreaterThanOrEqual(99);
    expect(crossings).toBeLessThanOrEqual(100);
    expect(silence(20, 8000)).toEqual(new Int16Array(160));
  });

  it('round-trips PCM16 bytes and decodes μ-law reference values', () => {
    const pcm = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);
    expect([...bytesToPcm(pcmToBytes(pcm))]).toEqual([...pcm]);
    expect([...mulawToPcm(Uint8Array.from([0xff, 0x7f, 0x80, 0x00]))]).toEqual([0, 0, 32124, -32124]);
  });
});
