import { ConfigError } from '../errors/config-error.js';
import { MAX_TAPS, storeFilter } from './fir-kernel.js';

/**
 * A Kaiser-windowed sinc low-pass, split into `L` phases, for resampling by `L/M`.
 * Passband to 0.85× the lower Nyquist frequency, stopband from 1.15× (so 8 kHz output keeps
 * 0–3.4 kHz and anything from 4.6 kHz up folds back ≥ `attenuationDb` down).
 */
export interface PolyphaseFilter {
  /** Interpolation factor (output rate / gcd). */
  readonly L: number;
  /** Decimation factor (input rate / gcd). */
  readonly M: number;
  /** Taps per phase as stored: a multiple of 8, zero-padded. */
  readonly taps: number;
  /** Byte offset of the reversed phases in the kernel's memory. */
  readonly offset: number;
  /** Group delay in input samples (fractional). */
  readonly delay: number;
}

/** Stopband attenuation when downsampling (aliasing) and upsampling (imaging). */
const DOWN_DB = 90;
const UP_DB = 80;
const EDGE = 0.15;

const cache = new Map<string, PolyphaseFilter>();

/** The filter for `inputRate → outputRate`, designed once per pair and kept. */
export function polyphaseFilter(inputRate: number, outputRate: number): PolyphaseFilter {
  const key = `${inputRate}:${outputRate}`;
  let filter = cache.get(key);
  if (filter === undefined) {
    filter = design(inputRate, outputRate);
    cache.set(key, filter);
  }
  return filter;
}

function design(inputRate: number, outputRate: number): PolyphaseFilter {
  const g = gcd(inputRate, outputRate);
  const L = outputRate / g;
  const M = inputRate / g;
  const highRate = inputRate * L;
  const nyquist = Math.min(inputRate, outputRate) / 2;
  const attenuation = outputRate < inputRate ? DOWN_DB : UP_DB;
  const transition = (2 * Math.PI * (2 * EDGE * nyquist)) / highRate;
  const length = Math.ceil((attenuation - 7.95) / (2.285 * transition)) + 1;
  const perPhase = Math.ceil(length / L);
  const taps = Math.ceil(perPhase / 8) * 8;
  if (taps > MAX_TAPS) {
    throw new ConfigError('sampleRate', `cannot resample ${inputRate} Hz to ${outputRate} Hz (filter too long)`);
  }
  const n = perPhase * L;
  const beta = 0.1102 * (attenuation - 8.7);
  const cutoff = nyquist / highRate; // cycles per sample at the high rate
  const center = (n - 1) / 2;
  const i0Beta = besselI0(beta);
  const h = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const m = j - center;
    const sinc = m === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * m) / (Math.PI * m);
    const r = m / center;
    h[j] = sinc * (besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta);
  }
  // Phase p holds h[p + kL], k = 0..perPhase-1, stored reversed and padded at the front;
  // each phase is normalized to unity DC gain.
  const phases = new Float32Array(L * taps);
  for (let p = 0; p < L; p++) {
    let sum = 0;
    for (let k = 0; k < perPhase; k++) sum += h[p + k * L]!;
    for (let k = 0; k < perPhase; k++) phases[p * taps + (taps - 1 - k)] = h[p + k * L]! / sum;
  }
  return { L, M, taps, offset: storeFilter(phases), delay: center / L };
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const half = x / 2;
  for (let k = 1; k < 50; k++) {
    term *= (half / k) * (half / k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}
