/** Sample encodings Patter moves around. `pcm16` is signed 16-bit little-endian. */
export type AudioEncoding = 'pcm16' | 'mulaw' | 'alaw';

/** The shape of a stream of audio bytes. Patter handles mono audio only. */
export interface AudioFormat {
  readonly encoding: AudioEncoding;
  readonly sampleRate: number;
  readonly channels: 1;
}

/**
 * A piece of audio with its format. On the hot path Patter passes bare `Uint8Array`s whose
 * format was fixed when the stream was opened; `AudioFrame` is for places where the format
 * travels with the bytes.
 */
export interface AudioFrame {
  readonly data: Uint8Array;
  readonly format: AudioFormat;
}

/** Builds an `AudioFormat` (frozen, so formats can be shared as constants). */
export function audioFormat(encoding: AudioEncoding, sampleRate: number): AudioFormat {
  return Object.freeze({ encoding, sampleRate, channels: 1 as const });
}

/** μ-law 8 kHz: what Twilio (and Telnyx by default) stream. */
export const MULAW_8K = audioFormat('mulaw', 8000);
/** A-law 8 kHz: Telnyx's PCMA. */
export const ALAW_8K = audioFormat('alaw', 8000);
export const PCM16_8K = audioFormat('pcm16', 8000);
export const PCM16_16K = audioFormat('pcm16', 16000);
export const PCM16_22K = audioFormat('pcm16', 22050);
export const PCM16_24K = audioFormat('pcm16', 24000);
export const PCM16_44K = audioFormat('pcm16', 44100);
export const PCM16_48K = audioFormat('pcm16', 48000);

export function sameFormat(a: AudioFormat, b: AudioFormat): boolean {
  return a.encoding === b.encoding && a.sampleRate === b.sampleRate && a.channels === b.channels;
}

/** Bytes per sample: 2 for PCM16, 1 for G.711. */
export function bytesPerSample(format: AudioFormat): number {
  return format.encoding === 'pcm16' ? 2 : 1;
}

/** Byte length of `ms` milliseconds of audio in `format`. */
export function bytesForDuration(format: AudioFormat, ms: number): number {
  return Math.round((format.sampleRate * ms) / 1000) * bytesPerSample(format);
}

/** Duration in milliseconds of `byteLength` bytes of audio in `format`. */
export function durationMs(format: AudioFormat, byteLength: number): number {
  return (byteLength / bytesPerSample(format) / format.sampleRate) * 1000;
}

/** `mulaw/8000` — for log lines and error messages. */
export function describeFormat(format: AudioFormat): string {
  return `${format.encoding}/${format.sampleRate}`;
}
