import alawmulaw from 'alawmulaw';
import { describe, expect, it } from 'vitest';
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
  audioFormat,
  describeFormat,
} from './audio-format.js';
import { createAudioConverter } from './audio-converter.js';
import { negotiateFormat } from './negotiate-format.js';
import { pcm16Bytes, pcm16Samples } from './pcm16-view.js';
import { db, goertzel, speechLike } from './test-signals.js';

const FORMATS: AudioFormat[] = [
  MULAW_8K,
  ALAW_8K,
  audioFormat('mulaw', 16000),
  PCM16_8K,
  PCM16_16K,
  PCM16_22K,
  PCM16_24K,
  PCM16_44K,
  PCM16_48K,
];
const PAIRS = FORMATS.flatMap((a) => FORMATS.map((b) => [describeFormat(a), describeFormat(b), a, b] as const));

/** 500 Hz and 1500 Hz tones (−12 and −18 dB re 16000) under a 4 Hz envelope-free sum. */
function twoTones(rate: number, seconds: number): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) {
    const t = i / rate;
    out[i] = Math.round(8000 * Math.sin(2 * Math.PI * 500 * t) + 4000 * Math.sin(2 * Math.PI * 1500 * t));
  }
  return out;
}

function encode(samples: Int16Array, format: AudioFormat): Uint8Array {
  if (format.encoding === 'mulaw') return alawmulaw.mulaw.encode(samples);
  if (format.encoding === 'alaw') return alawmulaw.alaw.encode(samples);
  return pcm16Bytes(samples.slice());
}

function decode(bytes: Uint8Array, format: AudioFormat): Int16Array {
  if (format.encoding === 'mulaw') return alawmulaw.mulaw.decode(bytes);
  if (format.encoding === 'alaw') return alawmulaw.alaw.decode(bytes);
  return pcm16Samples(bytes);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('createAudioConverter', () => {
  it('passes μ-law 8 kHz to μ-law 8 kHz through untouched: the same object, no copy', () => {
    const { target, chain } = negotiateFormat(MULAW_8K, [PCM16_16K, audioFormat('mulaw', 8000)]);
    expect(chain).toEqual([]);
    const converter = createAudioConverter(MULAW_8K, target);
    expect(converter.passThrough).toBe(true);
    const frame = encode(speechLike(8000, 0.02), MULAW_8K);
    expect(converter.convert(frame)).toBe(frame);
    expect(converter.flush().length).toBe(0);
  });

  it.each(PAIRS)('%s → %s keeps tone levels and frequencies, frame by frame', (_a, _b, from, to) => {
    const input = encode(twoTones(from.sampleRate, 0.6), from);
    const converter = createAudioConverter(from, to);
    const frameBytes = (from.sampleRate / 50) * (from.encoding === 'pcm16' ? 2 : 1);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < input.length; i += frameBytes) {
      parts.push(converter.convert(input.subarray(i, i + frameBytes)).slice());
    }
    const out = decode(concat(parts), to);
    const expected = Math.round((input.length / (from.encoding === 'pcm16' ? 2 : 1)) * (to.sampleRate / from.sampleRate));
    expect(Math.abs(out.length - expected)).toBeLessThanOrEqual(Math.ceil(to.sampleRate / 1000) + 2);
    const skip = Math.round(to.sampleRate * 0.05);
    expect(Math.abs(db(goertzel(out, 500, to.sampleRate, skip), 8000))).toBeLessThan(0.5);
    expect(Math.abs(db(goertzel(out, 1500, to.sampleRate, skip), 4000))).toBeLessThan(0.5);
    expect(db(goertzel(out, 1000, to.sampleRate, skip), 8000)).toBeLessThan(-30);
    // the same as converting the whole signal at once
    const whole = createAudioConverter(from, to).convert(input);
    expect(Array.from(concat(parts))).toEqual(Array.from(whole));
  });

  it('accepts PCM16 split at odd byte boundaries and unaligned views', () => {
    const samples = speechLike(24000, 0.1);
    const bytes = new Uint8Array(samples.byteLength + 1);
    bytes.set(pcm16Bytes(samples), 1);
    const unaligned = bytes.subarray(1);
    const whole = createAudioConverter(PCM16_24K, PCM16_16K).convert(unaligned).slice();
    const c = createAudioConverter(PCM16_24K, PCM16_16K);
    const parts: Uint8Array[] = [];
    for (const [a, b] of [[0, 1], [1, 480], [480, 481], [481, 4001], [4001, unaligned.length]] as const) {
      parts.push(c.convert(unaligned.subarray(a, b)).slice());
    }
    expect(Array.from(concat(parts))).toEqual(Array.from(whole));
  });

  it('codec-only chains at the same rate are sample exact', () => {
    const pcm = speechLike(8000, 0.1);
    const mulaw = alawmulaw.mulaw.encode(pcm);
    const toPcm = createAudioConverter(MULAW_8K, PCM16_8K).convert(mulaw);
    expect(Array.from(pcm16Samples(toPcm))).toEqual(Array.from(alawmulaw.mulaw.decode(mulaw)));
    const toAlaw = createAudioConverter(MULAW_8K, ALAW_8K).convert(mulaw);
    expect(Array.from(toAlaw)).toEqual(Array.from(alawmulaw.alaw.encode(alawmulaw.mulaw.decode(mulaw))));
  });

  it('reuses its output buffer: the result is valid until the next call', () => {
    const c = createAudioConverter(PCM16_24K, MULAW_8K);
    const frame = pcm16Bytes(speechLike(24000, 0.02));
    const a = c.convert(frame);
    const copy = a.slice();
    const b = c.convert(pcm16Bytes(new Int16Array(480)));
    expect(b.buffer).toBe(a.buffer);
    expect(Array.from(a)).not.toEqual(Array.from(copy));
  });

  it('hands out the same view object frame after frame while the frame size stays (no per-frame allocation)', () => {
    const inbound = createAudioConverter(MULAW_8K, PCM16_16K);
    const frame = new Uint8Array(160).fill(0x7f);
    const first = inbound.convert(frame);
    expect(first.length).toBe(640);
    expect(inbound.convert(frame)).toBe(first);
    const longer = inbound.convert(new Uint8Array(320).fill(0x7f));
    expect(longer).not.toBe(first);
    expect(longer.length).toBe(1280);
    const outbound = createAudioConverter(PCM16_16K, MULAW_8K);
    const speech = pcm16Bytes(speechLike(16000, 0.02));
    const out = outbound.convert(speech);
    expect(out.length).toBe(160);
    expect(outbound.convert(speech)).toBe(out);
  });

  it('flush drains the resampler tail and reset starts afresh', () => {
    const c = createAudioConverter(PCM16_16K, MULAW_8K);
    const frame = pcm16Bytes(speechLike(16000, 0.02));
    const first = c.convert(frame).slice();
    const tail = c.flush();
    expect(tail.length).toBeGreaterThan(0);
    expect(Array.from(c.convert(frame))).toEqual(Array.from(first));
    c.convert(frame);
    c.reset();
    expect(Array.from(c.convert(frame))).toEqual(Array.from(first));
  });
});
