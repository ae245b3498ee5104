import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '@patter/core';
import { loadFixture, pcmToBytes, silence, type FixtureName } from '@patter/testing';

/**
 * A WAV for Chromium's fake microphone (PCM16 16 kHz mono): `leadingSilenceMs` of silence, so
 * the call is connected before the words start, then the fixture. Returns the
 * `--use-file-for-fake-audio-capture` value, played once (`%noloop`), silence after.
 */
export function microphoneWav(name: FixtureName, leadingSilenceMs: number): string {
  const speech = loadFixture(name, 'pcm16-16k').pcm;
  const samples = new Int16Array(silence(leadingSilenceMs).length + speech.length);
  samples.set(speech, samples.length - speech.length);
  const path = join(mkdtempSync(join(tmpdir(), 'patter-microphone-')), `${name}.wav`);
  writeFileSync(path, encodeWav(pcmToBytes(samples), { sampleRate: 16_000, channels: 1 }));
  return `${path}%noloop`;
}
