import type { AudioFormat } from './audio-format.js';
import { decodeAlaw, encodeAlaw } from './alaw.js';
import { decodeMulaw, encodeMulaw } from './mulaw.js';
import { conversionChain } from './negotiate-format.js';
import { pcm16Bytes } from './pcm16-view.js';
import { PrefixView } from './prefix-view.js';
import { Resampler } from './resampler.js';

/**
 * Converts a stream of audio from one format to another: G.711 decode, resampling and G.711
 * encode as needed, keeping the resampler's state across calls.
 */
export interface AudioConverter {
  readonly from: AudioFormat;
  readonly to: AudioFormat;
  /** True when `from` and `to` are the same format: `convert` returns its input as is. */
  readonly passThrough: boolean;
  /**
   * Converts the next bytes of the stream. The result is a view of the converter's own buffer,
   * valid until the next call on this converter (copy it to keep it); in pass-through it is
   * `input` itself. PCM16 input may be split anywhere: an odd trailing byte waits for the next call.
   */
  convert(input: Uint8Array): Uint8Array;
  /** Drains what the resampler still holds (its group delay) as a new array, then resets. */
  flush(): Uint8Array;
  /** Forgets the stream state. */
  reset(): void;
}

/** A stateful converter from `from` to `to` (see `negotiateFormat` to pick `to`). */
export function createAudioConverter(from: AudioFormat, to: AudioFormat): AudioConverter {
  return conversionChain(from, to).length === 0 ? new PassThrough(from, to) : new ChainConverter(from, to);
}

class PassThrough implements AudioConverter {
  readonly passThrough = true;
  constructor(
    readonly from: AudioFormat,
    readonly to: AudioFormat,
  ) {}
  convert(input: Uint8Array): Uint8Array {
    return input;
  }
  flush(): Uint8Array {
    return new Uint8Array(0);
  }
  reset(): void {}
}

class ChainConverter implements AudioConverter {
  readonly passThrough = false;
  private readonly resampler: Resampler | undefined;
  // Scratch arrays, handed out as the same view while the frame size stays the same (no per-frame allocation).
  private readonly pcm = new PrefixView((length) => new Int16Array(length));
  private readonly resampled = new PrefixView((length) => new Int16Array(length));
  private readonly encoded = new PrefixView((length) => new Uint8Array(length));
  private carry = -1;
  /** The PCM16 bytes last handed out, and the samples they view. */
  private bytesView: Uint8Array = new Uint8Array(0);
  private bytesOf: Int16Array | undefined;

  constructor(
    readonly from: AudioFormat,
    readonly to: AudioFormat,
  ) {
    this.resampler = from.sampleRate === to.sampleRate ? undefined : new Resampler(from.sampleRate, to.sampleRate);
  }

  convert(input: Uint8Array): Uint8Array {
    const samples = this.toPcm(input);
    let out = samples;
    if (this.resampler !== undefined) {
      const room = this.resampled.room(this.resampler.maxOutput(samples.length));
      out = this.resampled.of(this.resampler.process(samples, room));
    }
    return this.fromPcm(out);
  }

  flush(): Uint8Array {
    const tail = this.resampler?.flush() ?? new Int16Array(0);
    this.carry = -1;
    return this.fromPcm(tail).slice();
  }

  reset(): void {
    this.resampler?.reset();
    this.carry = -1;
  }

  /** Input as PCM16 samples, in `this.pcm` (G.711 decoded, or PCM16 bytes realigned). */
  private toPcm(input: Uint8Array): Int16Array {
    const { encoding } = this.from;
    if (encoding !== 'pcm16') {
      const pcm = this.pcm.of(input.length);
      if (encoding === 'mulaw') decodeMulaw(input, pcm);
      else decodeAlaw(input, pcm);
      return pcm;
    }
    if (this.carry < 0 && (input.byteOffset & 1) === 0 && (input.length & 1) === 0) {
      return new Int16Array(input.buffer, input.byteOffset, input.length >> 1);
    }
    const bytes = input.length + (this.carry >= 0 ? 1 : 0);
    const count = bytes >> 1;
    const pcm = this.pcm.of(count);
    const pcmBytes = pcm16Bytes(pcm);
    let at = 0;
    if (this.carry >= 0) pcmBytes[at++] = this.carry;
    const fit = count * 2 - at;
    pcmBytes.set(fit === input.length ? input : input.subarray(0, fit), at);
    this.carry = fit < input.length ? input[fit]! : -1;
    return pcm;
  }

  private fromPcm(samples: Int16Array): Uint8Array {
    const { encoding } = this.to;
    if (encoding === 'pcm16') {
      if (this.bytesOf !== samples) {
        this.bytesOf = samples;
        this.bytesView = pcm16Bytes(samples);
      }
      return this.bytesView;
    }
    const out = this.encoded.of(samples.length);
    if (encoding === 'mulaw') encodeMulaw(samples, out);
    else encodeAlaw(samples, out);
    return out;
  }
}
