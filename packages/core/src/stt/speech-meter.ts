import type { UtteranceEvidence } from './hallucination-filter.js';

/**
 * Measures the speech energy of PCM16 little-endian mono audio, frame by frame, without
 * allocating: total duration, how much of it was voiced (frame RMS at or above the threshold)
 * and the loudest frame. Feeds the hallucination filter and the "never post silence" gate.
 */
export class SpeechMeter {
  private samples = 0;
  private voicedSamples = 0;
  private peak = 0;

  /**
   * @param sampleRate of the audio measured.
   * @param threshold frame RMS (0–1 of full scale) that counts as voiced. Default 0.01 (-40 dBFS):
   *   above telephone line noise, below quiet speech.
   */
  constructor(
    private readonly sampleRate: number,
    private readonly threshold = 0.01,
  ) {}

  /** Measures one frame of PCM16 LE bytes; returns whether it was voiced. */
  push(frame: Uint8Array): boolean {
    const count = frame.length >> 1;
    if (count === 0) return false;
    let sum = 0;
    for (let i = 0; i < count * 2; i += 2) {
      const sample = ((frame[i] as number) | ((frame[i + 1] as number) << 8)) << 16 >> 16;
      sum += sample * sample;
    }
    const rms = Math.sqrt(sum / count) / 32768;
    this.samples += count;
    if (rms > this.peak) this.peak = rms;
    const voiced = rms >= this.threshold;
    if (voiced) this.voicedSamples += count;
    return voiced;
  }

  get durationMs(): number {
    return (this.samples * 1000) / this.sampleRate;
  }

  get voicedMs(): number {
    return (this.voicedSamples * 1000) / this.sampleRate;
  }

  get peakRms(): number {
    return this.peak;
  }

  evidence(): UtteranceEvidence {
    return { durationMs: this.durationMs, voicedMs: this.voicedMs, peakRms: this.peak };
  }

  reset(): void {
    this.samples = 0;
    this.voicedSamples = 0;
    this.peak = 0;
  }
}
