import { ConfigError } from '../errors/config-error.js';
import { EVEN_OFFSET, heap, IN_OFFSET, MAX_CHUNK, MAX_OUT, OUT_OFFSET, X_OFFSET } from './fir-kernel.js';
import { halfBandFilter, polyphaseFilter, type HalfBandFilter, type PolyphaseFilter } from './polyphase-filter.js';

/**
 * Streaming PCM16 sample-rate converter: a polyphase FIR (Kaiser-windowed sinc, ≥ 90 dB
 * stopband when downsampling, 80 dB when upsampling) run by a WebAssembly SIMD kernel. Halving
 * the rate (16 → 8 kHz …) skips the half-band filter's zero taps: half the multiplications;
 * doubling it (8 → 16 kHz …) copies every other sample, which the filter passes unchanged.
 *
 * Stateful: feed it consecutive frames and the output is exactly (bit for bit) what one call on
 * the whole signal gives, with no clicks at frame boundaries. It is causal, so the output lags the
 * input by the filter's group delay (`delayMs`, about 2.4 ms for 24 → 8 kHz); `flush()` drains it.
 * No allocation per call except by the allocating `resample()`.
 *
 * @example
 * const down = new Resampler(24000, 8000);
 * const out = new Int16Array(down.maxOutput(480));
 * const n = down.process(frame24k, out); // 160 samples per 20 ms frame
 */
export class Resampler {
  readonly inputRate: number;
  readonly outputRate: number;
  /** Delay the filter adds, in milliseconds. */
  readonly delayMs: number;
  private readonly filter: PolyphaseFilter | undefined;
  private readonly history: Float32Array;
  /** Set when the rate halves: `decimate2` runs instead of the general kernel. */
  private readonly halfBand: HalfBandFilter | undefined;
  /** The half-band's even-stream history (its odd stream's is `history`). */
  private readonly evenHistory: Float32Array;
  /** Parity of the next input sample's position (half-band). */
  private phase = 0;
  private readonly chunk: number;
  private t = 0;

  constructor(inputRate: number, outputRate: number) {
    checkRate('inputRate', inputRate);
    checkRate('outputRate', outputRate);
    this.inputRate = inputRate;
    this.outputRate = outputRate;
    this.filter = inputRate === outputRate ? undefined : polyphaseFilter(inputRate, outputRate);
    this.halfBand = this.filter !== undefined && this.filter.L === 1 && this.filter.M === 2 ? halfBandFilter(inputRate) : undefined;
    this.history = new Float32Array(this.halfBand ? 40 : this.filter === undefined ? 0 : this.filter.taps - 1);
    this.evenHistory = new Float32Array(this.halfBand ? 20 : 0);
    this.chunk = this.filter === undefined ? MAX_CHUNK : Math.min(MAX_CHUNK, Math.floor(((MAX_OUT - 1) * this.filter.M) / this.filter.L));
    this.delayMs = this.filter === undefined ? 0 : (this.filter.delay / inputRate) * 1000;
  }

  /** An upper bound on the samples `process()` writes for `inputSamples` samples. */
  maxOutput(inputSamples: number): number {
    const f = this.filter;
    return f === undefined ? inputSamples : Math.ceil((inputSamples * f.L) / f.M) + 1;
  }

  /**
   * Resamples `input` (the next samples of the stream) into `output`, which must hold
   * `maxOutput(input.length)` samples. Returns how many samples were written.
   */
  process(input: Int16Array, output: Int16Array): number {
    const need = this.maxOutput(input.length);
    if (output.length < need) throw new ConfigError('output', `holds ${output.length} samples, ${need} needed`);
    if (this.filter === undefined) {
      output.set(input);
      return input.length;
    }
    let written = 0;
    for (let start = 0; start < input.length; start += this.chunk) {
      const end = Math.min(input.length, start + this.chunk);
      written += this.run(start === 0 && end === input.length ? input : input.subarray(start, end), output, written);
    }
    return written;
  }

  /** Allocating form of `process()`. */
  resample(input: Int16Array): Int16Array {
    const out = new Int16Array(this.maxOutput(input.length));
    return out.subarray(0, this.process(input, out));
  }

  /**
   * Pushes silence through the filter so the last `delayMs` of audio comes out, returns it as a
   * new array, and resets the state (end of a stream, or before a discontinuity).
   */
  flush(): Int16Array {
    if (this.filter === undefined) return new Int16Array(0);
    const zeros = new Int16Array(Math.ceil(this.filter.delay) + 1);
    const out = this.resample(zeros);
    this.reset();
    return out;
  }

  /** Forgets the stream (history and phase), as if new. */
  reset(): void {
    this.history.fill(0);
    this.evenHistory.fill(0);
    this.t = 0;
    this.phase = 0;
  }

  private run(input: Int16Array, output: Int16Array, at: number): number {
    if (this.halfBand) return this.runHalfBand(this.halfBand, input, output, at);
    const f = this.filter!;
    const { f32, i16 } = heap;
    const history = this.history;
    const keep = history.length;
    const x = X_OFFSET >> 2;
    f32.set(history, x);
    i16.set(input, IN_OFFSET >> 1);
    // Doubling the rate (t stays 0: two outputs per input sample), every other output is a copy.
    const d = f.doubling;
    const n = d
      ? heap.interpolate2(d.coef, d.bytes, d.skip, d.delay, f.taps, input.length, X_OFFSET, IN_OFFSET, OUT_OFFSET)
      : heap.process(f.offset, f.L, f.M, f.taps, this.t, input.length, X_OFFSET, IN_OFFSET, OUT_OFFSET);
    // Cached views on the kernel's memory: one memcpy each way, no element loop, no allocation.
    output.set(kernelView(i16, OUT_OFFSET >> 1, n), at);
    history.set(kernelView(f32, x + input.length, keep));
    this.t += n * f.M - input.length * f.L;
    return n;
  }

  private runHalfBand(f: HalfBandFilter, input: Int16Array, output: Int16Array, at: number): number {
    const { f32, i16 } = heap;
    const odd = X_OFFSET >> 2;
    const even = EVEN_OFFSET >> 2;
    f32.set(this.history, odd);
    f32.set(this.evenHistory, even);
    i16.set(input, IN_OFFSET >> 1);
    const n = heap.decimate2(f.coef, f.center, input.length, this.phase, X_OFFSET, EVEN_OFFSET, IN_OFFSET, OUT_OFFSET);
    output.set(kernelView(i16, OUT_OFFSET >> 1, n), at);
    // n even samples came (one output each), the rest were odd: each history keeps its stream's tail.
    this.history.set(kernelView(f32, odd + input.length - n, this.history.length));
    this.evenHistory.set(kernelView(f32, even + n, this.evenHistory.length));
    this.phase = (this.phase + input.length) & 1;
    return n;
  }
}

/** Views on the kernel's memory by (start, length); few distinct ones (frame sizes × filters). */
const views = new Map<number, Int16Array | Float32Array>();
/** The `heap.f32` the cached views were made on: `heap` replaces both its arrays when the memory grows. */
let viewsOf: Float32Array | undefined;

/**
 * `array.subarray(start, start + length)`, created once per (start, length) while the memory stays.
 * `array` is `heap.f32` or `heap.i16` (compared by identity: reading `.buffer` is a call into C++).
 */
function kernelView<T extends Int16Array | Float32Array>(array: T, start: number, length: number): T {
  if (viewsOf !== heap.f32) {
    views.clear();
    viewsOf = heap.f32;
  }
  // Distinct keys for the two element types: the Int16 views are the negative ones.
  const key = (start * 65536 + length) * (array instanceof Int16Array ? -1 : 1) - 1;
  let view = views.get(key);
  if (view === undefined) {
    if (views.size >= 1024) views.clear();
    view = array.subarray(start, start + length);
    views.set(key, view);
  }
  return view as T;
}

function checkRate(option: string, rate: number): void {
  if (!Number.isInteger(rate) || rate < 1000 || rate > 192000) {
    throw new ConfigError(option, `expected an integer sample rate in Hz (1000–192000), got ${rate}`);
  }
}
