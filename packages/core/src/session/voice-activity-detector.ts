import { durationMs, type AudioFormat } from '../audio/audio-format.js';

export interface VoiceActivityOptions {
  /** Frame RMS (0–1 of full scale) that counts as voiced. Default 0.02 (≈ -34 dBFS). */
  readonly threshold?: number;
  /** Voiced audio needed to declare speech. Default 120 ms. */
  readonly minSpeechMs?: number;
  /** Silence after speech that ends it. Default 700 ms. */
  readonly silenceMs?: number;
}

export type VoiceActivity = 'none' | 'speechStart' | 'speechEnd';

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

/**
 * An energy voice-activity detector over the caller's frames: feeds barge-in evidence and,
 * with `turnDetection: 'vad'`, ends the caller's turn after `silenceMs` of silence.
 */
export class VoiceActivityDetector {
  private readonly threshold: number;
  private readonly minSpeechMs: number;
  private readonly silenceMs: number;
  private voicedRun = 0;
  private silentRun = 0;
  private inSpeech = false;
  /** Whether the last frame was voiced. */
  lastVoiced = false;
  /** Duration of the last frame, ms. */
  lastFrameMs = 0;
  /** RMS of the last frame (0–1 of full scale). */
  lastRms = 0;

  constructor(
    private readonly format: AudioFormat,
    options: VoiceActivityOptions = {},
  ) {
    this.threshold = options.threshold ?? 0.02;
    this.minSpeechMs = options.minSpeechMs ?? 120;
    this.silenceMs = options.silenceMs ?? 700;
  }

  get speaking(): boolean {
    return this.inSpeech;
  }

  push(frame: Uint8Array): VoiceActivity {
    const ms = durationMs(this.format, frame.length);
    const rms = frameRms(frame, this.format);
    const voiced = rms >= this.threshold;
    this.lastRms = rms;
    this.lastVoiced = voiced;
    this.lastFrameMs = ms;
    if (voiced) {
      this.voicedRun += ms;
      this.silentRun = 0;
      if (!this.inSpeech && this.voicedRun >= this.minSpeechMs) {
        this.inSpeech = true;
        return 'speechStart';
      }
      return 'none';
    }
    this.silentRun += ms;
    if (this.silentRun >= 200) this.voicedRun = 0;
    if (this.inSpeech && this.silentRun >= this.silenceMs) {
      this.inSpeech = false;
      return 'speechEnd';
    }
    return 'none';
  }
}
