import { encodeWav } from '@patter/core/plugin';
import { loadFixture, pcmToBytes, silence, type FixtureName } from '@patter/testing';

/** What the fake microphone says: fixtures and silences (numbers, in ms), in order. */
export type MicrophoneScript = readonly (FixtureName | number)[];

/**
 * A WAV for Chromium's fake microphone (PCM16 16 kHz mono, which it reads) made of fixtures
 * and silences. Lead with silence, so the call is connected before the words start.
 */
export function microphoneWav(script: MicrophoneScript): Uint8Array {
  const pieces = script.map((part) => (typeof part === 'number' ? silence(part) : loadFixture(part, 'pcm16-16k').pcm));
  const samples = new Int16Array(pieces.reduce((sum, piece) => sum + piece.length, 0));
  let at = 0;
  for (const piece of pieces) {
    samples.set(piece, at);
    at += piece.length;
  }
  return encodeWav(pcmToBytes(samples), { sampleRate: 16_000, channels: 1 });
}
