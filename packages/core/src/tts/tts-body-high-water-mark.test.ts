import { describe, expect, it } from 'vitest';
import { audioFormat } from '../audio/audio-format.js';
import { ttsBodyHighWaterMark } from './tts-body-high-water-mark.js';

describe('ttsBodyHighWaterMark', () => {
  it('holds half a second of 16 kHz PCM16 ahead of the reader, whatever the PCM16 rate', () => {
    for (const sampleRate of [8000, 16000, 24000, 44100]) {
      expect(ttsBodyHighWaterMark(audioFormat('pcm16', sampleRate))).toBe(16 * 1024);
    }
  });

  it("leaves G.711 to undici's default (64 KiB is 8 s of it)", () => {
    expect(ttsBodyHighWaterMark(audioFormat('mulaw', 8000))).toBeUndefined();
    expect(ttsBodyHighWaterMark(audioFormat('alaw', 8000))).toBeUndefined();
  });
});
