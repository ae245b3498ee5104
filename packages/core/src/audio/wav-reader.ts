import { ConfigError } from '../errors/config-error.js';
import { type AudioEncoding, type AudioFormat, audioFormat } from './audio-format.js';

/** A decoded WAV file: its format and a view of its sample bytes (no copy). */
export interface WavAudio {
  readonly format: AudioFormat;
  readonly data: Uint8Array;
}

/**
 * Reads a mono WAV file of PCM16, A-law or μ-law samples (also `WAVE_FORMAT_EXTENSIBLE`). Skips
 * chunks it does not need (`LIST`, `fact`, `cue `…), honours RIFF's odd-size padding, and
 * tolerates a streamed file whose sizes are 0 or too big (data runs to the end).
 * Throws `ConfigError('wav', …)` for anything else.
 */
export function readWav(bytes: Uint8Array): WavAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || tag(bytes, 0) !== 'RIFF' || tag(bytes, 8) !== 'WAVE') fail('not a RIFF/WAVE file');
  let encoding: AudioEncoding | undefined;
  let sampleRate = 0;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = tag(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) fail('short fmt chunk');
      let formatTag = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      const bits = view.getUint16(body + 14, true);
      if (formatTag === 0xfffe && size >= 40) formatTag = view.getUint16(body + 24, true);
      if (channels !== 1) fail(`${channels} channels (mono only)`);
      encoding = formatTag === 1 && bits === 16 ? 'pcm16' : formatTag === 6 && bits === 8 ? 'alaw' : formatTag === 7 && bits === 8 ? 'mulaw' : undefined;
      if (encoding === undefined) fail(`unsupported format tag ${formatTag} with ${bits} bits per sample`);
    } else if (id === 'data') {
      if (encoding === undefined) fail('data chunk before fmt chunk');
      const end = size === 0 || body + size > bytes.length ? bytes.length : body + size;
      const sampleBytes = encoding === 'pcm16' ? 2 : 1;
      const usable = end - body - ((end - body) % sampleBytes);
      return { format: audioFormat(encoding, sampleRate), data: bytes.subarray(body, body + usable) };
    }
    at = body + size + (size & 1);
  }
  return fail('no data chunk');
}

function tag(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

function fail(message: string): never {
  throw new ConfigError('wav', message);
}
