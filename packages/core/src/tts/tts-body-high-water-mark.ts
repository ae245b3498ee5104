import { bytesPerSample, type AudioFormat } from '../audio/audio-format.js';

/** A PCM16 TTS response body buffers at most this much before undici stops reading the socket. */
export const PCM16_TTS_BODY_HIGH_WATER_MARK = 16 * 1024;

/**
 * How much of a TTS response body undici buffers ahead of the reader (`httpRequest`'s
 * `highWaterMark`), for audio in `format`. The speech output reads a sentence only as fast as it
 * plays (its backlog holds ~2 s at the carrier), so what is pulled off the socket beyond that just
 * waits in memory: undici's default 64 KiB is 2 s of PCM16 at 16 kHz (1.3 s at 24 kHz) per
 * stream, the sentence playing and the next one alike. PCM16 gets 16 KiB (0.5 s at 16 kHz): in
 * the load bench a transcoding call then holds ~70 KB less external memory. (It bounds undici's
 * buffer, not the size of a chunk: when the body is read on, undici hands over what the socket
 * gathered meanwhile as one chunk.) G.711 keeps undici's default: 64 KiB is 8 s of it, most
 * sentences whole, and in the load bench a 16 KiB buffer there held more memory per call, not less.
 */
export function ttsBodyHighWaterMark(format: AudioFormat): number | undefined {
  return bytesPerSample(format) === 2 ? PCM16_TTS_BODY_HIGH_WATER_MARK : undefined;
}
