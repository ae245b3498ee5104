import { pcm16ToAlaw } from '../audio/alaw.js';
import type { AudioFormat } from '../audio/audio-format.js';
import { pcm16ToMulaw } from '../audio/mulaw.js';
import { pcm16Bytes } from '../audio/pcm16-view.js';
import { ConfigError } from '../errors/config-error.js';

/** ITU-T Q.23 DTMF frequency pairs: [low (row) Hz, high (column) Hz]. */
export const DTMF_FREQUENCIES: Readonly<Record<string, readonly [number, number]>> = Object.freeze({
  '1': [697, 1209], '2': [697, 1336], '3': [697, 1477], A: [697, 1633],
  '4': [770, 1209], '5': [770, 1336], '6': [770, 1477], B: [770, 1633],
  '7': [852, 1209], '8': [852, 1336], '9': [852, 1477], C: [852, 1633],
  '*': [941, 1209], '0': [941, 1336], '#': [941, 1477], D: [941, 1633],
});

export interface DtmfToneOptions {
  /** Tone length per digit. Default 100 ms (Q.24 asks for ≥ 40 ms). */
  readonly toneMs?: number;
  /** Silence after each digit. Default 100 ms. */
  readonly gapMs?: number;
  /** Silence for `w`. Default 500 ms (`W` is twice that). */
  readonly pauseMs?: number;
  /** Peak amplitude of each of the two tones, 0..1 of full scale. Default 0.35 (about −9 dBFS each). */
  readonly amplitude?: number;
}

const DIGITS = /^[0-9*#A-Dw]*$/i;

/** Whether `digits` only holds `0-9 * # A-D w W`. */
export function isDtmfDigits(digits: string): boolean {
  return DIGITS.test(digits);
}

/**
 * Linear PCM16 for a DTMF sequence: each digit is the sum of its two Q.23 sines for `toneMs`,
 * then `gapMs` of silence; `w` is a `pauseMs` pause. A 2 ms raised-cosine ramp at each tone's
 * edges keeps the spectrum clean (no clicks that a detector could take for energy elsewhere).
 */
export function dtmfPcm(digits: string, sampleRate: number, options: DtmfToneOptions = {}): Int16Array {
  if (!isDtmfDigits(digits)) throw new ConfigError('digits', 'only 0-9, *, #, A-D and w/W are allowed');
  const toneSamples = Math.round(((options.toneMs ?? 100) * sampleRate) / 1000);
  const gapSamples = Math.round(((options.gapMs ?? 100) * sampleRate) / 1000);
  const pauseSamples = Math.round(((options.pauseMs ?? 500) * sampleRate) / 1000);
  const amplitude = Math.min(0.5, Math.max(0, options.amplitude ?? 0.35)) * 32767;
  let total = 0;
  for (const ch of digits) total += ch === 'w' ? pauseSamples : ch === 'W' ? 2 * pauseSamples : toneSamples + gapSamples;
  const out = new Int16Array(total);
  const ramp = Math.max(1, Math.round(0.002 * sampleRate));
  let at = 0;
  for (const ch of digits) {
    if (ch === 'w' || ch === 'W') {
      at += ch === 'w' ? pauseSamples : 2 * pauseSamples;
      continue;
    }
    const [low, high] = DTMF_FREQUENCIES[ch.toUpperCase()]!;
    const wLow = (2 * Math.PI * low) / sampleRate;
    const wHigh = (2 * Math.PI * high) / sampleRate;
    for (let i = 0; i < toneSamples; i++) {
      const edge = Math.min(i, toneSamples - 1 - i);
      const gain = edge < ramp ? 0.5 - 0.5 * Math.cos((Math.PI * edge) / ramp) : 1;
      out[at + i] = Math.round(amplitude * gain * (Math.sin(wLow * i) + Math.sin(wHigh * i)));
    }
    at += toneSamples + gapSamples;
  }
  return out;
}

/** DTMF tones for `digits` in a carrier's format (μ-law, A-law or PCM16 little-endian). */
export function dtmfAudio(digits: string, format: AudioFormat, options: DtmfToneOptions = {}): Uint8Array {
  const pcm = dtmfPcm(digits, format.sampleRate, options);
  if (format.encoding === 'mulaw') return pcm16ToMulaw(pcm);
  if (format.encoding === 'alaw') return pcm16ToAlaw(pcm);
  return pcm16Bytes(pcm);
}
