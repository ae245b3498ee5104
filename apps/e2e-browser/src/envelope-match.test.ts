import { loadFixture, sineWave, silence } from '@patter/testing';
import { describe, expect, it } from 'vitest';
import { envelopeMatch } from './envelope-match.js';

describe('envelopeMatch', () => {
  const speech = loadFixture('book-a-table').pcm;

  it('finds the fixture inside longer audio, louder and shifted', () => {
    const received = new Int16Array(speech.length + 16_000);
    for (let i = 0; i < speech.length; i++) received[i + 4_000] = Math.max(-32768, Math.min(32767, (speech[i] as number) * 2));
    expect(envelopeMatch(received, speech)).toBeGreaterThan(0.95);
  });

  it('scores other speech, a tone and silence low', () => {
    const other = loadFixture('what-time-do-you-open').pcm;
    expect(envelopeMatch(new Int16Array([...other, ...other]), speech)).toBeLessThan(0.8);
    expect(envelopeMatch(sineWave({ durationMs: 4_000 }), speech)).toBeLessThan(0.2);
    expect(envelopeMatch(silence(4_000), speech)).toBe(0);
  });
});
