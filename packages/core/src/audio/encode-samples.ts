import type { AudioFormat } from './audio-format.js';
import { alawToPcm16, pcm16ToAlaw } from './alaw.js';
import { mulawToPcm16, pcm16ToMulaw } from './mulaw.js';
import { pcm16Bytes, pcm16Samples } from './pcm16-view.js';

/** PCM16 samples as bytes in `format`'s encoding (the sample rate is the caller's concern). */
export function encodeSamples(samples: Int16Array, format: AudioFormat): Uint8Array {
  if (format.encoding === 'mulaw') return pcm16ToMulaw(samples);
  if (format.encoding === 'alaw') return pcm16ToAlaw(samples);
  return pcm16Bytes(samples).slice();
}

/** Bytes in `format`'s encoding as PCM16 samples (a fresh array). */
export function decodeSamples(bytes: Uint8Array, format: AudioFormat): Int16Array {
  if (format.encoding === 'mulaw') return mulawToPcm16(bytes);
  if (format.encoding === 'alaw') return alawToPcm16(bytes);
  return pcm16Samples(bytes).slice();
}
