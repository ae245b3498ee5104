import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '@patter/core';
import { loadFixture, pcmToBytes, silence, type FixtureName } from '@patter/testing';

/**
 * A WAV for Chromium's fake microphone (PCM16 16 kHz mono) made of fixtures and silences
 * (numbers, in ms) — lead with silence so the call is connected before the words start.
 * Returns the `--use-file-for-fake-audio-capture` value: played once (`%noloop`), silence after.
 */
export function microphoneWav(...parts: (FixtureName | number)[]): string {
  const pieces = parts.map((part) => (typeof part === 'number' ? silence(part) : loadFixture(part, 'pcm16-16k').pcm));
  const samples = new Int16Array(pieces.reduce((sum, piece) => sum + piece.length, 0));
  let at = 0;
  for (const piece of pieces) {
    samples.set(piece, at);
    at += piece.length;
  }
  const path = join(mkdtempSync(join(tmpdir(), 'patter-microphone-')), 'microphone.wav');
  writeFileSync(path, encodeWav(pcmToBytes(samples), { sampleRate: 16_000, channels: 1 }));
  return `${path}%noloop`;
}
