import { durationMs, type AudioFormat } from '../audio/audio-format.js';
import { frameRms } from '../audio/frame-rms.js';
import type { VoiceActivity, VoiceActivityDetector } from '../session/turns/voice-activity-detector.js';

/** The energy detector's tuning. */
export interface EnergyVADOptions {
  /** Frame RMS (0–1 of full scale) that counts as voiced. Default 0.02 (≈ -34 dBFS). */
  readonly threshold?: number;
  /** Voiced audio needed to declare speech. Default 120 ms. */
  readonly minSpeechMs?: number;
  /** Silence after speech that ends it. Default 700 ms. */
  readonly silenceMs?: number;
}

/**
 * The default voice-activity detector, with no dependency: a frame is voiced when its energy is
 * above `threshold`. Feeds barge-in evidence and, with `turnDetection: 'vad'`, ends the
 * caller's turn after `silenceMs` of silence. Any loud noise counts as voice; `@patter/silero`
 * tells speech from noise.
 */
export class EnergyVoiceActivityDetector implements VoiceActivityDetector {
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
    options: EnergyVADOptions = {},
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
