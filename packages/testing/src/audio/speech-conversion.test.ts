// Format negotiation verified on real speech (the espeak-ng fixtures), not only on tones: for every
// pair of formats a call can meet, the negotiated chain run frame by frame keeps the words'
// timing, loudness and spectrum. The source audio is made from the 16 kHz fixture by core's own
// converter, and the output is compared with the fixture itself, so an error on either leg shows.
import {
  ALAW_8K,
  type AudioFormat,
  MULAW_8K,
  PCM16_16K,
  PCM16_22K,
  PCM16_24K,
  PCM16_44K,
  PCM16_48K,
  PCM16_8K,
} from '@patter/core';
import { createAudioConverter, describeFormat, negotiateFormat } from '@patter/core/plugin';
import { describe, expect, it } from 'vitest';
import { loadFixture } from './load-fixture.js';
import { bytesToPcm, concatBytes, mulawToPcm } from './pcm-bytes.js';

const FORMATS: readonly AudioFormat[] = [
  MULAW_8K,
  ALAW_8K,
  PCM16_8K,
  PCM16_16K,
  PCM16_22K,
  PCM16_24K,
  PCM16_44K,
  PCM16_48K,
];

/** G.711 A-law decoder written from the standard (independent of core's tables). */
function alawToPcm(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.byteLength);
  for (let i = 0; i < bytes.byteLength; i++) {
    const a = (bytes[i] as number) ^ 0x55;
    const exponent = (a & 0x70) >> 4;
    const mantissa = a & 0x0f;
    const magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
    out[i] = a & 0x80 ? magnitude : -magnitude;
  }
  return out;
}

function toPcm(bytes: Uint8Array, format: AudioFormat): Int16Array {
  if (format.encoding === 'mulaw') return mulawToPcm(bytes);
  if (format.encoding === 'alaw') return alawToPcm(bytes);
  return bytesToPcm(bytes);
}

/** Runs `bytes` through the negotiated chain in 20 ms frames, as a call would. */
function convertFramed(bytes: Uint8Array, from: AudioFormat, to: AudioFormat): Uint8Array {
  const { target, chain } = negotiateFormat(from, [to]);
  expect(target).toEqual(to);
  expect(chain.length === 0).toBe(from.encoding === to.encoding && from.sampleRate === to.sampleRate);
  const converter = createAudioConverter(from, target);
  const frameBytes = (from.sampleRate / 50) * (from.encoding === 'pcm16' ? 2 : 1);
  const parts: Uint8Array[] = [];
  for (let at = 0; at < bytes.byteLength; at += frameBytes) {
    parts.push(converter.convert(bytes.subarray(at, at + frameBytes)).slice());
  }
  parts.push(converter.flush().slice());
  return concatBytes(parts);
}

/** RMS of 10 ms windows, one every millisecond. */
function envelope(pcm: Int16Array, rate: number): number[] {
  const out: number[] = [];
  for (let ms = 0; ; ms++) {
    const from = Math.round((ms * rate) / 1000);
    const to = Math.round(((ms + 10) * rate) / 1000);
    if (to > pcm.length) break;
    let sum = 0;
    for (let i = from; i < to; i++) sum += (pcm[i] as number) ** 2;
    out.push(Math.sqrt(sum / (to - from)));
  }
  return out;
}

/** The delay (ms, 0–8) at which `out`'s envelope best matches `ref`'s, and that correlation. */
function bestAlignment(out: readonly number[], ref: readonly number[]): { delayMs: number; r: number } {
  let best = { delayMs: 0, r: -1 };
  for (let delayMs = 0; delayMs <= 8; delayMs++) {
    const r = correlation(out.slice(delayMs), ref);
    if (r > best.r) best = { delayMs, r };
  }
  return best;
}

function correlation(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] as number;
    mb += b[i] as number;
  }
  ma /= n;
  mb /= n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    const x = (a[i] as number) - ma;
    const y = (b[i] as number) - mb;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Mean power density (dB, rate-independent) in [lo, hi) Hz, from a 10 Hz grid of Goertzel filters. */
function bandLevel(pcm: Int16Array, rate: number, lo: number, hi: number): number {
  let power = 0;
  let count = 0;
  for (let f = lo; f < hi; f += 10) {
    const c = 2 * Math.cos((2 * Math.PI * f) / rate);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < pcm.length; i++) {
      const s = (pcm[i] as number) + c * s1 - s2;
      s2 = s1;
      s1 = s;
    }
    power += (s1 * s1 + s2 * s2 - c * s1 * s2) / (pcm.length * rate);
    count++;
  }
  return 10 * Math.log10(power / count);
}

const BANDS = [
  [250, 750],
  [750, 1250],
  [1250, 1750],
  [1750, 2250],
  [2250, 2750],
  [2750, 3250],
] as const;

describe('format conversion on real speech', () => {
  const fixture = loadFixture('book-a-table');
  // Through an 8 kHz leg the words lose what lies above 4 kHz: compare those paths with the
  // committed 8 kHz copy of the fixture (made by sox when the fixtures were recorded).
  const narrow = loadFixture('book-a-table', 'mulaw-8k');
  const references = new Map(
    [fixture, narrow].map((f) => {
      const rate = f.format.sampleRate;
      return [rate, { envelope: envelope(f.pcm, rate), bands: BANDS.map(([lo, hi]) => bandLevel(f.pcm, rate, lo, hi)) }];
    }),
  );
  const sources = new Map(FORMATS.map((f) => [f, convertFramed(fixture.bytes, PCM16_16K, f)]));
  const pairs = FORMATS.flatMap((a) => FORMATS.map((b) => [describeFormat(a), describeFormat(b), a, b] as const));

  it.each(pairs)('%s → %s keeps the timing, loudness and spectrum of "book a table"', (_a, _b, from, to) => {
    const out = toPcm(convertFramed(sources.get(from) as Uint8Array, from, to), to);
    const reference = references.get(Math.min(from.sampleRate, to.sampleRate) === 8000 ? 8000 : 16000)!;
    // Duration: the fixture's, plus at most the filters' delay (flushed, not lost).
    const extra = out.length / to.sampleRate - fixture.durationMs / 1000;
    expect(extra).toBeGreaterThan(-0.001);
    expect(extra).toBeLessThan(0.006);
    // Timing and loudness: the syllable envelope lines up with the fixture's, delayed by no more
    // than the filters' group delay.
    const { delayMs, r } = bestAlignment(envelope(out, to.sampleRate), reference.envelope);
    expect(delayMs).toBeLessThanOrEqual(6);
    expect(r).toBeGreaterThan(0.99);
    // Spectrum: each 500 Hz band of the telephone band within 0.5 dB of the fixture (measured: ≤ 0.15 dB).
    BANDS.forEach(([lo, hi], i) => {
      expect(Math.abs(bandLevel(out, to.sampleRate, lo, hi) - (reference.bands[i] as number))).toBeLessThan(0.5);
    });
  });
});
