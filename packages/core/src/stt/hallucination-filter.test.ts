import { describe, expect, it } from 'vitest';
import { HallucinationFilter, normalizeTranscriptText } from './hallucination-filter.js';
import { SpeechMeter } from './speech-meter.js';

const spoken = { voicedMs: 420, durationMs: 900, peakRms: 0.12 };
const faint = { voicedMs: 60, durationMs: 900, peakRms: 0.015 };
const silent = { voicedMs: 0, durationMs: 900, peakRms: 0.002 };

describe('HallucinationFilter', () => {
  it('keeps real short answers, with or without evidence', () => {
    for (const text of ['Yes.', 'No', 'Okay.', 'ok', 'Yeah', 'Mm-hmm', 'Right.', 'no no no']) {
      expect(new HallucinationFilter().check(text, spoken)).toEqual({ keep: true });
      expect(new HallucinationFilter().check(text, faint)).toEqual({ keep: true });
      expect(new HallucinationFilter().check(text)).toEqual({ keep: true });
    }
  });

  it('drops punctuation-only and empty text', () => {
    const filter = new HallucinationFilter();
    expect(filter.check('.', spoken)).toEqual({ keep: false, reason: 'empty' });
    expect(filter.check(' ... ', spoken)).toEqual({ keep: false, reason: 'empty' });
  });

  it('drops anything heard in silence, even a real-looking word', () => {
    expect(new HallucinationFilter().check('Yes.', silent)).toEqual({ keep: false, reason: 'silence' });
    expect(new HallucinationFilter().check('Hello there.', { peakRms: 0.001 })).toEqual({ keep: false, reason: 'silence' });
  });

  it('drops suspect phrases only when the audio evidence is weak', () => {
    expect(new HallucinationFilter().check('Thank you.', faint)).toEqual({ keep: false, reason: 'phrase' });
    expect(new HallucinationFilter().check('you', { voicedMs: 100 })).toEqual({ keep: false, reason: 'phrase' });
    expect(new HallucinationFilter().check('Thank you.', { noSpeechProb: 0.9 })).toEqual({ keep: false, reason: 'phrase' });
    expect(new HallucinationFilter().check('Thank you.', spoken)).toEqual({ keep: true });
    expect(new HallucinationFilter().check('Bye!', spoken)).toEqual({ keep: true });
  });

  it('always drops video outros, in any script, and repetition loops', () => {
    const filter = new HallucinationFilter();
    expect(filter.check('Thanks for watching!', spoken)).toEqual({ keep: false, reason: 'phrase' });
    expect(filter.check('Subtitles by the Amara.org community', spoken)).toEqual({ keep: false, reason: 'phrase' });
    expect(filter.check('ご視聴ありがとうございました', spoken)).toEqual({ keep: false, reason: 'phrase' });
    expect(filter.check('you you you', faint)).toEqual({ keep: false, reason: 'phrase' });
    expect(filter.check('okay okay okay okay okay okay okay', spoken)).toEqual({ keep: false, reason: 'repetition' });
  });

  it('drops more words than the audio could hold', () => {
    expect(
      new HallucinationFilter().check('I would like to book a table for four people on Monday', { durationMs: 300 }),
    ).toEqual({ keep: false, reason: 'rate' });
  });

  it('drops a re-sent final within 500 ms, keeps the same words later', () => {
    const filter = new HallucinationFilter();
    expect(filter.check('Yes.', { ...spoken, atMs: 1000 }).keep).toBe(true);
    expect(filter.check('yes', { ...spoken, atMs: 1300 })).toEqual({ keep: false, reason: 'duplicate' });
    expect(filter.check('Yes.', { ...spoken, atMs: 1600 }).keep).toBe(true);
    filter.reset();
    expect(filter.check('Yes.', { ...spoken, atMs: 1700 }).keep).toBe(true);
  });

  it('normalizes case, punctuation and spacing', () => {
    expect(normalizeTranscriptText('  Thank   you!! ')).toBe('thank you');
  });
});

describe('SpeechMeter', () => {
  const frame = (amplitude: number, samples = 160) => {
    const bytes = new Uint8Array(samples * 2);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < samples; i++) view.setInt16(i * 2, i % 2 === 0 ? amplitude : -amplitude, true);
    return bytes;
  };

  it('counts voiced milliseconds and the peak from PCM16 frames', () => {
    const meter = new SpeechMeter(8000);
    expect(meter.push(frame(30))).toBe(false);
    expect(meter.push(frame(3277))).toBe(true);
    expect(meter.durationMs).toBe(40);
    expect(meter.voicedMs).toBe(20);
    expect(meter.peakRms).toBeCloseTo(0.1, 3);
    meter.reset();
    expect(meter.evidence()).toEqual({ durationMs: 0, voicedMs: 0, peakRms: 0 });
  });
});
