import type { AudioFormat } from './audio-format.js';

const MULAW_BIAS = 0x84;

/** Linear magnitude of a μ-law byte (G.711), without allocation. */
function mulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + MULAW_BIAS) << ((u & 0x70) >> 4);
  return (u & 0x80) !== 0 ? MULAW_BIAS - t : t - MULAW_BIAS;
}

/** Linear value of an A-law byte (G.711). */
function alawToLinear(byte: number): number {
  const a = byte ^ 0x55;
  const exponent = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  t = exponent === 0 ? t + 8 : ((t + 0x108) << (exponent - 1));
  return (a & 0x80) !== 0 ? t : -t;
}

/** Squared linear value of every G.711 byte: one table lookup per sample on the hot path. */
const MULAW_SQUARES = Float64Array.from({ length: 256 }, (_, b) => mulawToLinear(b) ** 2);
const ALAW_SQUARES = Float64Array.from({ length: 256 }, (_, b) => alawToLinear(b) ** 2);

/** RMS of one frame (0–1 of full scale), for PCM16 LE, μ-law or A-law, allocation-free. */
export function frameRms(frame: Uint8Array, format: AudioFormat): number {
  let sum = 0;
  let count = 0;
  if (format.encoding === 'pcm16') {
    for (let i = 0; i + 1 < frame.length; i += 2) {
      const sample = (((frame[i] as number) | ((frame[i + 1] as number) << 8)) << 16) >> 16;
      sum += sample * sample;
      count++;
    }
  } else {
    const squares = format.encoding === 'mulaw' ? MULAW_SQUARES : ALAW_SQUARES;
    for (let i = 0; i < frame.length; i++) sum += squares[frame[i] as number] as number;
    count = frame.length;
  }
  return count === 0 ? 0 : Math.sqrt(sum / count) / 32768;
}
