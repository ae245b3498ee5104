import { audioFormat, type AudioFormat } from '@patter/core';
import { TestKitError } from '../test-kit-error.js';

/** A parsed WAV file: its format and the audio bytes of its `data` chunk (a view, no copy). */
export interface ParsedWav {
  readonly format: AudioFormat;
  readonly data: Uint8Array;
}

const WAVE_FORMATS: Readonly<Record<number, AudioFormat['encoding']>> = { 1: 'pcm16', 6: 'alaw', 7: 'mulaw' };

/** Parse a mono RIFF/WAVE file in PCM16, μ-law or A-law (walks the chunks; tolerates `fact`/`LIST`). */
export function parseWav(bytes: Uint8Array): ParsedWav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new TestKitError('not a RIFF/WAVE file');
  let format: AudioFormat | undefined;
  for (let at = 12; at + 8 <= bytes.byteLength; ) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      const code = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const sampleRate = view.getUint32(body + 4, true);
      const bits = view.getUint16(body + 14, true);
      const encoding = WAVE_FORMATS[code];
      if (!encoding || channels !== 1 || bits !== (encoding === 'pcm16' ? 16 : 8)) {
        throw new TestKitError(`unsupported WAV format ${code}/${channels}ch/${bits}bit`);
      }
      format = audioFormat(encoding, sampleRate);
    } else if (id === 'data') {
      if (!format) throw new TestKitError('WAV data chunk before fmt chunk');
      const end = Math.min(body + size, bytes.byteLength);
      return { format, data: bytes.subarray(body, end) };
    }
    at = body + size + (size % 2);
  }
  throw new TestKitError('WAV file without a data chunk');
}
