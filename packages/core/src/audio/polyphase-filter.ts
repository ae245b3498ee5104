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
  /** Length of the history window (taps of the longest phase, a multiple of 8). */
  readonly taps: number;
  /** Byte offset of the phase table in the kernel's memory (see fir-kernel.wat). */
  readonly offset: number;
  /** Group delay in input samples (fractional). */
  readonly delay: number;
  /**
   * When the rate doubles and the second phase is a pure delay: `interpolate2`'s arguments (byte
   * offsets): phase 0's taps, their length and window offset, and where in the window the delayed
   * sample is.
   */
  readonly doubling?: { readonly coef: number; readonly bytes: number; readonly skip: number; readonly delay: number };
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

/** The prototype low-pass of `inputRate → outputRate` (at the rate `inputRate × L`), before it is split into phases. */
interface LowPass {
  readonly L: number;
  readonly M: number;
  /** Taps per phase (the longest), a multiple of 8. */
  readonly taps: number;
  readonly perPhase: number;
  /** `perPhase × L` coefficients; those from `n` on are zero. */
  readonly h: Float64Array;
  readonly center: number;
}

function lowPass(inputRate: number, outputRate: number): LowPass {
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
  // An odd length puts the centre on a tap; when upsampling (cutoff = 1/(2L)) the phase holding
  // it is then a pure delay, which the kernel runs as 8 taps instead of `taps`.
  const n = perPhase * L - ((perPhase * L) % 2 === 0 ? 1 : 0);
  const beta = 0.1102 * (attenuation - 8.7);
  const cutoff = nyquist / highRate; // cycles per sample at the high rate
  const center = (n - 1) / 2;
  const i0Beta = besselI0(beta);
  const h = new Float64Array(perPhase * L);
  for (let j = 0; j < n; j++) {
    const m = j - center;
    const sinc = m === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * m) / (Math.PI * m);
    const r = m / center;
    h[j] = sinc * (besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta);
  }
  return { L, M, taps, perPhase, h, center };
}

function design(inputRate: number, outputRate: number): PolyphaseFilter {
  const { L, M, taps, perPhase, h, center } = lowPass(inputRate, outputRate);
  let peak = 0;
  for (const v of h) peak = Math.max(peak, Math.abs(v));
  // Phase p holds h[p + kL], k = 0..perPhase-1, reversed (window index j = taps-1-k) and
  // normalized to unity DC gain; zero taps at either end are trimmed (to a multiple of 8).
  const coefs: number[] = [];
  const table = new Int32Array(L * 3);
  const starts: number[] = [];
  /** Per phase, the window index of its one tap when it is a pure delay. */
  const pureDelays: (number | undefined)[] = [];
  for (let p = 0; p < L; p++) {
    const w = new Float64Array(taps);
    let sum = 0;
    for (let k = 0; k < perPhase; k++) {
      sum += h[p + k * L]!;
      w[taps - 1 - k] = h[p + k * L]!;
    }
    let first = 0;
    let last = taps - 1;
    while (first < last && Math.abs(w[first]!) < peak * 1e-9) first++;
    while (last > first && Math.abs(w[last]!) < peak * 1e-9) last--;
    // A phase whose one tap is (after normalizing) 1 outputs its input sample as it is.
    if (first === last && Math.abs(w[first]! / sum - 1) < 1e-6) pureDelays[p] = first;
    const count = Math.ceil((last - first + 1) / 8) * 8;
    const skip = Math.min(first, taps - count);
    starts.push(coefs.length);
    for (let j = skip; j < skip + count; j++) coefs.push(w[j]! / sum);
    table[p * 3 + 1] = count * 4;
    table[p * 3 + 2] = skip * 4;
  }
  const coefOffset = storeFilter(new Uint8Array(Float32Array.from(coefs).buffer));
  for (let p = 0; p < L; p++) table[p * 3] = coefOffset + starts[p]! * 4;
  const filter = { L, M, taps, offset: storeFilter(new Uint8Array(table.buffer)), delay: center / L };
  const delayTap = pureDelays[1];
  if (L !== 2 || M !== 1 || pureDelays[0] !== undefined || delayTap === undefined) return filter;
  return { ...filter, doubling: { coef: table[0]!, bytes: table[1]!, skip: table[2]!, delay: delayTap * 4 } };
}

/**
 * Halving the rate (`2r → r`): the low-pass cuts at a quarter of the input rate, a half-band
 * filter whose taps at even distances from its centre are zero. The kernel's `decimate2` runs
 * only the others: 40 taps on the odd samples (`coef`, reversed) and the centre on the even ones.
 */
export interface HalfBandFilter {
  /** Byte offset of the 40 odd-stream taps in the kernel's memory. */
  readonly coef: number;
  /** The centre tap (it multiplies even sample n − 19 for output n). */
  readonly center: number;
}

const halfBands = new Map<number, HalfBandFilter | undefined>();

/** The half-band filter for `inputRate → inputRate / 2`, or undefined when the design does not fit `decimate2`. */
export function halfBandFilter(inputRate: number): HalfBandFilter | undefined {
  if (!halfBands.has(inputRate)) halfBands.set(inputRate, designHalfBand(inputRate));
  return halfBands.get(inputRate);
}

function designHalfBand(inputRate: number): HalfBandFilter | undefined {
  const { L, M, h, center } = lowPass(inputRate, inputRate / 2);
  // decimate2 takes the centre at 38 (even sample n − 19) and the odd taps 1..75.
  if (L !== 1 || M !== 2 || center !== 38) return undefined;
  let sum = 0;
  for (const v of h) sum += v;
  const coef = new Float32Array(40);
  for (let q = 1; q <= 38; q++) coef[40 - q] = h[2 * q - 1]! / sum;
  return { coef: storeFilter(new Uint8Array(coef.buffer)), center: h[center]! / sum };
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
