import { ALAW_8K, audioFormat, ConfigError, MULAW_8K, type AudioFormat } from '@patter/core';

/** The raw output formats Patter can play (`pcm_<rate>` is 16-bit LE mono, no header). */
export type ElevenLabsOutputFormat =
  | 'pcm_8000'
  | 'pcm_16000'
  | 'pcm_22050'
  | 'pcm_24000'
  | 'pcm_44100'
  | 'pcm_48000'
  | 'ulaw_8000'
  | 'alaw_8000';

const PCM_RATES = [16000, 8000, 22050, 24000, 44100, 48000] as const;

/** Every raw format, best first for a phone line: 16 kHz PCM, then the G.711 8 kHz formats. */
export const ELEVENLABS_OUTPUT_FORMATS: readonly AudioFormat[] = [
  audioFormat('pcm16', 16000),
  MULAW_8K,
  ALAW_8K,
  ...PCM_RATES.slice(1).map((rate) => audioFormat('pcm16', rate)),
];

/** `pcm_16000`, `ulaw_8000` … for an `AudioFormat`. */
export function toElevenLabsFormat(format: AudioFormat): ElevenLabsOutputFormat {
  if (format.encoding === 'mulaw') return 'ulaw_8000';
  if (format.encoding === 'alaw') return 'alaw_8000';
  return `pcm_${format.sampleRate}` as ElevenLabsOutputFormat;
}

/**
 * The `AudioFormat` of an ElevenLabs format name (also the ConvAI agent formats). Unknown or
 * compressed formats (mp3, opus) throw a `ConfigError` naming `option`.
 */
export function parseElevenLabsFormat(name: string, option = 'outputFormat'): AudioFormat {
  if (name === 'ulaw_8000') return MULAW_8K;
  if (name === 'alaw_8000') return ALAW_8K;
  const match = /^pcm_(\d+)$/.exec(name);
  const rate = match ? Number(match[1]) : NaN;
  if (!(PCM_RATES as readonly number[]).includes(rate)) {
    throw new ConfigError(option, `unsupported format "${name}"; use pcm_8000…pcm_48000, ulaw_8000 or alaw_8000`);
  }
  return audioFormat('pcm16', rate);
}
