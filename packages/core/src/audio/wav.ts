import type { AudioFormat } from './audio-format.js';

const HEADER_BYTES = 44;

/**
 * Wraps PCM16 little-endian samples in a 44-byte RIFF/WAVE header (PCM format 1), the file
 * shape HTTP transcription endpoints accept. One copy of the samples; no other allocation.
 */
export function encodeWav(pcm: Uint8Array, format: Pick<AudioFormat, 'sampleRate' | 'channels'>): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + pcm.length);
  const view = new DataView(out.buffer);
  const blockAlign = format.channels * 2;
  writeAscii(out, 0, 'RIFF');
  view.setUint32(4, 36 + pcm.length, true);
  writeAscii(out, 8, 'WAVE');
  writeAscii(out, 12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, format.channels, true);
  view.setUint32(24, format.sampleRate, true);
  view.setUint32(28, format.sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, 16, true);
  writeAscii(out, 36, 'data');
  view.setUint32(40, pcm.length, true);
  out.set(pcm, HEADER_BYTES);
  return out;
}

function writeAscii(out: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < text.length; i++) out[offset + i] = text.charCodeAt(i);
}
