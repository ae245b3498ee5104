import { ConfigError } from '../errors/config-error.js';
import { type AudioFormat, bytesForDuration, bytesPerSample } from './audio-format.js';

export interface FrameCoalescerOptions {
  /** Format of the bytes pushed (sets the byte size of a millisecond). */
  readonly format: AudioFormat;
  /** Smallest chunk to emit, in milliseconds (AssemblyAI: 50). */
  readonly minMs: number;
}

/**
 * Gathers small frames into chunks of at least `minMs` for vendors with a minimum message size.
 * Memory is bounded: it holds less than `minMs` of audio between calls. A frame that is already
 * long enough while nothing is held is returned as is (same object, no copy); otherwise the chunk
 * is a fresh `Uint8Array` the caller may keep. Chunks are whole samples.
 *
 * @example
 * const c = new FrameCoalescer({ format: PCM16_16K, minMs: 50 });
 * const chunk = c.push(frame); // undefined until 50 ms are held
 * if (chunk) socket.send(chunk);
 */
export class FrameCoalescer {
  readonly minBytes: number;
  private readonly sampleBytes: number;
  private readonly held: Uint8Array;
  private length = 0;

  constructor(options: FrameCoalescerOptions) {
    if (!(options.minMs > 0) || !Number.isFinite(options.minMs)) {
      throw new ConfigError('minMs', `expected a positive number of milliseconds, got ${options.minMs}`);
    }
    this.sampleBytes = bytesPerSample(options.format);
    this.minBytes = Math.max(this.sampleBytes, bytesForDuration(options.format, options.minMs));
    this.held = new Uint8Array(this.minBytes + this.sampleBytes);
  }

  /** Bytes held, waiting for more. */
  get bufferedBytes(): number {
    return this.length;
  }

  /** Adds `frame`; returns a chunk of at least `minMs` when one is ready. */
  push(frame: Uint8Array): Uint8Array | undefined {
    if (this.length === 0 && frame.length >= this.minBytes && frame.length % this.sampleBytes === 0) return frame;
    const total = this.length + frame.length;
    if (total < this.minBytes) {
      this.held.set(frame, this.length);
      this.length = total;
      return undefined;
    }
    const whole = total - (total % this.sampleBytes);
    const out = new Uint8Array(whole);
    out.set(this.held.subarray(0, this.length));
    const used = whole - this.length;
    out.set(frame.subarray(0, used), this.length);
    this.length = frame.length - used; // 0 or a partial sample
    this.held.set(frame.subarray(used));
    return out;
  }

  /** Returns whatever is held (possibly shorter than `minMs`), or `undefined` when nothing is. */
  flush(): Uint8Array | undefined {
    if (this.length === 0) return undefined;
    const out = this.held.slice(0, this.length);
    this.length = 0;
    return out;
  }

  /** Drops whatever is held. */
  reset(): void {
    this.length = 0;
  }
}
