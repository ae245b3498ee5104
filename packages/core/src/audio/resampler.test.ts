import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import { heap, IN_OFFSET, OUT_OFFSET, X_OFFSET } from './fir-kernel.js';
import { polyphaseFilter } from './polyphase-filter.js';
import { Resampler } from './resampler.js';
import { db, frames, goertzel, speechLike, tone } from './test-signals.js';

const RATES = [8000, 16000, 22050, 24000, 44100, 48000];
const PAIRS = RATES.flatMap((a) => RATES.filter((b) => b !== a).map((b) => [a, b] as const));

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Level of `freq` in the resampled signal, skipping the filter's start-up. */
function levelAfter(input: Int16Array, from: number, to: number, freq: number): number {
  const out = new Resampler(from, to).resample(input);
  return goertzel(out, freq, to, Math.round(to * 0.05));
}

describe('Resampler', () => {
  it.each(PAIRS)('%i → %i Hz: 20 ms frames give exactly the whole-signal output', (from, to) => {
    const signal = speechLike(from, 0.5);
    const whole = new Resampler(from, to).resample(signal);
    const chunked: Int16Array[] = [];
    const streamed = new Resampler(from, to);
    const out = new Int16Array(streamed.maxOutput(from / 50));
    for (const f of frames(signal, from / 50)) chunked.push(out.slice(0, streamed.process(f, out)));
    const joined = concat(chunked);
    expect(joined.length).toBe(whole.length);
    expect(Array.from(joined)).toEqual(Array.from(whole));
    expect(whole.length).toBeGreaterThanOrEqual(Math.floor((signal.length * to) / from) - 1);
    expect(whole.length).toBeLessThanOrEqual(Math.ceil((signal.length * to) / from));
  });

  it('is exact for irregular chunk sizes too', () => {
    const signal = speechLike(22050, 0.4);
    const whole = new Resampler(22050, 16000).resample(signal);
    const r = new Resampler(22050, 16000);
    const parts: Int16Array[] = [];
    let at = 0;
    for (const size of [1, 7, 441, 3, 5000, 2, 999]) {
      parts.push(r.resample(signal.subarray(at, at + size)));
      at += size;
    }
    parts.push(r.resample(signal.subarray(at)));
    expect(Array.from(concat(parts))).toEqual(Array.from(whole));
  });

  it.each([16000, 48000])('%i Hz halved: exact for odd and irregular chunk sizes (the even/odd split carries over)', (from) => {
    const signal = speechLike(from, 0.4);
    const whole = new Resampler(from, from / 2).resample(signal);
    const r = new Resampler(from, from / 2);
    const parts: Int16Array[] = [];
    let at = 0;
    for (const size of [1, 1, 7, 441, 3, 5000, 2, 999, 320]) {
      parts.push(r.resample(signal.subarray(at, at + size)));
      at += size;
    }
    parts.push(r.resample(signal.subarray(at)));
    expect(Array.from(concat(parts))).toEqual(Array.from(whole));
    expect(whole.length).toBe(Math.ceil(signal.length / 2));
  });

  it('24 → 8 kHz: a 6 kHz tone aliases at least 80 dB below a 1 kHz tone of the same level', () => {
    const reference = levelAfter(tone(1000, 24000, 1, 32000), 24000, 8000, 1000);
    const alias = levelAfter(tone(6000, 24000, 1, 32000), 24000, 8000, 2000);
    expect(db(reference, 32000)).toBeGreaterThan(-0.5);
    expect(db(alias, reference)).toBeLessThan(-80);
  });

  it.each(PAIRS.filter(([a, b]) => b < a))('%i → %i Hz: stopband tones alias ≥ 80 dB down', (from, to) => {
    const freq = Math.min(0.75 * to, 0.45 * from);
    if (freq <= 0.575 * to) return; // no stopband tone below the input's Nyquist frequency
    const reference = levelAfter(tone(1000, from, 1, 32000), from, to, 1000);
    const alias = levelAfter(tone(freq, from, 1, 32000), from, to, to - freq);
    expect(db(alias, reference)).toBeLessThan(-80);
  });

  it.each(PAIRS)('%i → %i Hz: 1 kHz passes within 0.5 dB', (from, to) => {
    const level = levelAfter(tone(1000, from, 0.5, 20000), from, to, 1000);
    expect(Math.abs(db(level, 20000))).toBeLessThan(0.5);
  });

  it('8 → 16 kHz: the image of a 3 kHz tone (at 5 kHz) is ≥ 75 dB down', () => {
    const out = new Resampler(8000, 16000).resample(tone(3000, 8000, 1, 32000));
    expect(db(goertzel(out, 5000, 16000, 800), goertzel(out, 3000, 16000, 800))).toBeLessThan(-75);
  });

  it.each([
    [8000, 16000],
    [16000, 32000],
    [24000, 48000],
  ])('%i → %i Hz (doubling): bit for bit what the general polyphase kernel gives, clipping included', (from, to) => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    // Speech-like audio, then full-scale noise that clips, then the extremes themselves.
    const signal = concat([
      speechLike(from, 0.1),
      Int16Array.from({ length: 1000 }, () => Math.round(random() * 32767)),
      Int16Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? -32768 : 32767)),
    ]);
    const filter = polyphaseFilter(from, to);
    expect(filter.doubling).toBeDefined();
    heap.f32.fill(0, X_OFFSET >> 2, (X_OFFSET >> 2) + filter.taps - 1);
    heap.i16.set(signal, IN_OFFSET >> 1);
    const n = heap.process(filter.offset, filter.L, filter.M, filter.taps, 0, signal.length, X_OFFSET, IN_OFFSET, OUT_OFFSET);
    const general = heap.i16.slice(OUT_OFFSET >> 1, (OUT_OFFSET >> 1) + n);
    expect(Array.from(new Resampler(from, to).resample(signal))).toEqual(Array.from(general));
  });

  it('flush drains the delayed tail, then starts afresh', () => {
    const r = new Resampler(16000, 8000);
    const signal = tone(500, 16000, 0.1);
    const head = r.resample(signal);
    const tail = r.flush();
    expect(r.delayMs).toBeGreaterThan(0.5);
    expect(r.delayMs).toBeLessThan(5);
    expect(head.length + tail.length).toBeGreaterThanOrEqual(800 + Math.floor((r.delayMs * 8000) / 1000));
    expect(Math.max(...Array.from(tail, Math.abs))).toBeGreaterThan(1000);
    expect(Array.from(r.resample(signal))).toEqual(Array.from(head));
  });

  it('reset forgets the stream', () => {
    const r = new Resampler(8000, 24000);
    const a = r.resample(speechLike(8000, 0.05));
    r.resample(tone(700, 8000, 0.05));
    r.reset();
    expect(Array.from(r.resample(speechLike(8000, 0.05)))).toEqual(Array.from(a));
  });

  it('copies when the rates are equal', () => {
    const r = new Resampler(16000, 16000);
    const input = Int16Array.of(1, 2, 3);
    const out = r.resample(input);
    expect(Array.from(out)).toEqual([1, 2, 3]);
    expect(out).not.toBe(input);
  });

  it('rejects bad rates and short output buffers', () => {
    expect(() => new Resampler(0, 8000)).toThrow(ConfigError);
    expect(() => new Resampler(8000, 8000.5)).toThrow(ConfigError);
    expect(() => new Resampler(8000, 16000).process(new Int16Array(160), new Int16Array(100))).toThrow(ConfigError);
  });
});
