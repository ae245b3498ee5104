import { SpeechMeter } from './speech-meter.js';
import type { UtteranceEvidence } from './hallucination-filter.js';

export interface UtteranceBufferOptions {
  readonly sampleRate: number;
  /** Frame RMS that counts as voiced. Default 0.01. */
  readonly vadThreshold?: number;
  /** Audio kept before the first voiced frame. Default 300 ms. */
  readonly preRollMs?: number;
  /** Audio kept after the last voiced frame. Default 300 ms. */
  readonly tailMs?: number;
  /** The most audio held; `full` turns true at this size. Default 60 s. */
  readonly maxMs?: number;
}

/** One utterance taken out of the buffer. */
export interface BufferedAudio {
  /** PCM16 LE samples, trimmed to pre-roll + speech + tail. */
  readonly pcm: Uint8Array;
  readonly evidence: UtteranceEvidence & { readonly voicedMs: number; readonly durationMs: number };
}

/**
 * Collects one utterance of PCM16 mono audio, bounded: silence before the first voiced frame
 * is kept only as a short pre-roll and silence after the last one only as a short tail, so a
 * long pause (the agent talking) never grows the buffer or the upload. Copies each frame once.
 */
export class UtteranceBuffer {
  private bytes: Uint8Array;
  private length = 0;
  private voicedEnd = 0;
  private readonly meter: SpeechMeter;
  private readonly bytesPerMs: number;
  private readonly preRollBytes: number;
  private readonly tailBytes: number;
  private readonly maxBytes: number;

  constructor(options: UtteranceBufferOptions) {
    this.bytesPerMs = (options.sampleRate * 2) / 1000;
    this.meter = new SpeechMeter(options.sampleRate, options.vadThreshold);
    this.preRollBytes = evenBytes((options.preRollMs ?? 300) * this.bytesPerMs);
    this.tailBytes = evenBytes((options.tailMs ?? 300) * this.bytesPerMs);
    this.maxBytes = evenBytes((options.maxMs ?? 60_000) * this.bytesPerMs);
    this.bytes = new Uint8Array(Math.min(this.maxBytes, evenBytes(1000 * this.bytesPerMs)));
  }

  /** Whether any voiced audio is held. */
  get hasSpeech(): boolean {
    return this.meter.voicedMs > 0;
  }

  /** The buffer reached its size limit: take it now. */
  get full(): boolean {
    return this.length >= this.maxBytes;
  }

  push(frame: Uint8Array): void {
    const hadSpeech = this.hasSpeech;
    const voiced = this.meter.push(frame);
    if (voiced && !hadSpeech && this.length > this.preRollBytes) this.keepLast(this.preRollBytes);
    const room = this.maxBytes - this.length;
    const size = Math.min(frame.length, room) & ~1;
    if (size <= 0) return;
    if (this.length + size > this.bytes.length) this.grow(this.length + size);
    this.bytes.set(size === frame.length ? frame : frame.subarray(0, size), this.length);
    this.length += size;
    if (voiced) this.voicedEnd = this.length;
    else if (!this.hasSpeech && this.length > 2 * this.preRollBytes) this.keepLast(this.preRollBytes);
  }

  private keepLast(bytes: number): void {
    this.bytes.copyWithin(0, this.length - bytes, this.length);
    this.length = bytes;
  }

  /** Takes the utterance (trimmed) and its evidence, and empties the buffer. */
  take(): BufferedAudio {
    const end = this.hasSpeech ? Math.min(this.length, this.voicedEnd + this.tailBytes) : this.length;
    const pcm = this.bytes.slice(0, end);
    const evidence = { voicedMs: this.meter.voicedMs, peakRms: this.meter.peakRms, durationMs: end / this.bytesPerMs };
    this.length = 0;
    this.voicedEnd = 0;
    this.meter.reset();
    return { pcm, evidence };
  }

  private grow(needed: number): void {
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Uint8Array(Math.min(this.maxBytes, capacity));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }
}

function evenBytes(value: number): number {
  return Math.max(2, Math.round(value)) & ~1;
}
