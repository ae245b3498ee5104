import { readFileSync } from 'node:fs';
import type { AudioFormat } from '@patter/core';
import { durationMs as durationOf } from '@patter/core/plugin';
import { fixturePath } from './fixture-path.js';
import { FIXTURE_TEXTS, type FixtureName, type FixtureVariant } from './fixture-texts.js';
import { parseWav } from './parse-wav.js';
import { bytesToPcm, mulawToPcm } from './pcm-bytes.js';

/** A loaded audio fixture. */
export interface AudioFixture {
  readonly name: FixtureName;
  /** The format of `bytes`: PCM16 16 kHz or μ-law 8 kHz. */
  readonly format: AudioFormat;
  /** The samples as PCM16 at `format.sampleRate` (μ-law decoded). */
  readonly pcm: Int16Array;
  /** The audio as it travels on the wire in `format` (no WAV header). */
  readonly bytes: Uint8Array;
  readonly durationMs: number;
  /** What is said (`''` for silence). */
  readonly text: string;
}

const cache = new Map<string, AudioFixture>();

/** Load a committed fixture: `loadFixture('hello-there')`, `loadFixture('yes', 'mulaw-8k')`. Cached. */
export function loadFixture(name: FixtureName, variant: FixtureVariant = 'pcm16-16k'): AudioFixture {
  const key = `${name}.${variant}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const wav = parseWav(new Uint8Array(readFileSync(fixturePath(name, variant))));
  const bytes = wav.data.slice();
  const fixture: AudioFixture = {
    name,
    format: wav.format,
    pcm: wav.format.encoding === 'mulaw' ? mulawToPcm(bytes) : bytesToPcm(bytes),
    bytes,
    durationMs: durationOf(wav.format, bytes.byteLength),
    text: FIXTURE_TEXTS[name],
  };
  cache.set(key, fixture);
  return fixture;
}
