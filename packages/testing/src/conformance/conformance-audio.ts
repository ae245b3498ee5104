import { MULAW_8K, PCM16_16K, type AudioFormat } from '@patter/core';
import { sameFormat } from '@patter/core/plugin';
import { loadFixture } from '../audio/load-fixture.js';
import type { FixtureName } from '../audio/fixture-texts.js';
import { distinctAudio } from './check-helpers.js';

/** Speech a conformance check sends, with the text a fake should "recognize" in it. */
export interface ConformanceSpeech {
  readonly text: string;
  /** The speech itself (a fixture when the format has one, else distinct noise). */
  readonly speech: Uint8Array;
  /** `speech` followed by trailing silence: what the check actually streams. */
  readonly audio: Uint8Array;
}

const SILENCE_BYTE: Readonly<Record<AudioFormat['encoding'], number>> = { pcm16: 0, mulaw: 0xff, alaw: 0xd5 };

/** Speech for `format`: the named fixture at 16 kHz PCM16 or 8 kHz μ-law, otherwise seeded noise. */
export function conformanceSpeech(format: AudioFormat, name: FixtureName, seed: number, silenceMs = 600): ConformanceSpeech {
  let speech: Uint8Array;
  if (sameFormat(format, PCM16_16K)) speech = loadFixture(name).bytes;
  else if (sameFormat(format, MULAW_8K)) speech = loadFixture(name, 'mulaw-8k').bytes;
  else speech = distinctAudio(format, loadFixture(name).durationMs, seed);
  const sampleBytes = format.encoding === 'pcm16' ? 2 : 1;
  const silence = new Uint8Array(Math.round((format.sampleRate * silenceMs) / 1000) * sampleBytes).fill(
    SILENCE_BYTE[format.encoding],
  );
  const audio = new Uint8Array(speech.byteLength + silence.byteLength);
  audio.set(speech);
  audio.set(silence, speech.byteLength);
  return { text: loadFixture(name).text, speech, audio };
}
