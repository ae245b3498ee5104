import {
  audioFormat,
  type AudioFormat,
  type Logger,
  type VoiceActivity,
  type VoiceActivityDetector,
} from '@patter/core';
import {
  createAudioConverter,
  durationMs,
  EnergyVoiceActivityDetector,
  frameRms,
  type AudioConverter,
} from '@patter/core/plugin';
import type { Tensor } from 'onnxruntime-node';
import type { SileroModel } from './silero-model.js';

/** The detector's decision rules (see `SileroVADOptions`). */
export interface SileroTuning {
  readonly threshold: number;
  readonly negThreshold: number;
  readonly minSpeechMs: number;
  readonly silenceMs: number;
  readonly maxPendingWindows: number;
  /** Run the model only while the session needs the decisions (`setNeeded`). */
  readonly onlyWhenNeeded: boolean;
}

/** One window's samples (context + window) and the tensor over them, reused. */
interface Slot {
  readonly samples: Float32Array;
  /** Made on the slot's first run (the model's module loads asynchronously). */
  tensor: Tensor | undefined;
}

/** Silero v5: 512-sample windows with 64 samples of context at 16 kHz; 256 and 32 at 8 kHz. */
const GEOMETRY = { 16000: { window: 512, context: 64 }, 8000: { window: 256, context: 32 } } as const;
/** Unvoiced windows that reset the run counted towards `minSpeechMs`. */
const RESET_SILENCE_MS = 100;

/**
 * One call's Silero detector. Frames (any supported format) are converted to PCM at the model's
 * rate (8 kHz audio stays at 8 kHz, anything else goes to 16 kHz) and cut into windows; each
 * window runs with the previous window's last samples as context and the recurrent state the
 * previous run returned, in order. Inference is asynchronous: `push` reports the decision of the
 * latest finished window (one window, 32 ms, behind at most, plus the inference time). If the
 * model cannot run, the detector logs once and falls back to the energy detector.
 */
export class SileroVoiceActivityDetector implements VoiceActivityDetector {
  lastVoiced = false;
  lastFrameMs = 0;
  lastRms = 0;
  /** The latest window's speech probability (0–1). */
  lastProbability = 0;
  /** Windows dropped because inference fell behind by `maxPendingWindows`. */
  droppedWindows = 0;
  /** Windows the model ran. */
  windowsRun = 0;

  private readonly converter: AudioConverter;
  private readonly rate: 8000 | 16000;
  private readonly window: number;
  private readonly context: number;
  private readonly windowMs: number;
  private readonly pool: Slot[] = [];
  private current: Slot | undefined;
  private filled = 0;
  private pending = 0;
  private chain: Promise<void> = Promise.resolve();
  private state: Tensor | undefined;
  private sr: Tensor | undefined;
  private voiced = false;
  private inSpeech = false;
  private voicedRun = 0;
  private silentRun = 0;
  private event: VoiceActivity = 'none';
  private fallback: EnergyVoiceActivityDetector | undefined;
  /** While not needed: the energy detector judges, the model rests. */
  private resting: EnergyVoiceActivityDetector | undefined;
  private energy: EnergyVoiceActivityDetector | undefined;
  /** Bumped when the model's stream restarts: older windows' results are ignored. */
  private generation = 0;
  private closed = false;

  constructor(
    private readonly model: Promise<SileroModel>,
    private readonly format: AudioFormat,
    private readonly tuning: SileroTuning,
    private readonly logger: Logger | undefined,
    private readonly callId: string | undefined,
  ) {
    this.rate = format.sampleRate === 8000 ? 8000 : 16000;
    ({ window: this.window, context: this.context } = GEOMETRY[this.rate]);
    this.windowMs = (this.window / this.rate) * 1000;
    this.converter = createAudioConverter(format, audioFormat('pcm16', this.rate));
  }

  get speaking(): boolean {
    const energy = this.fallback ?? this.resting;
    return energy ? energy.speaking : this.inSpeech;
  }

  /**
   * With `onlyWhenNeeded`, the model rests while its decisions are not needed (the agent is
   * silent and turns end on the STT): the energy detector judges meanwhile (for the session's
   * timestamps). When needed again, the model starts a fresh stream (zero state and context).
   */
  setNeeded(needed: boolean): void {
    if (!this.tuning.onlyWhenNeeded || needed === (this.resting === undefined)) return;
    if (!needed) {
      this.resting = this.energy ??= new EnergyVoiceActivityDetector(this.format, { silenceMs: this.tuning.silenceMs });
      return;
    }
    this.resting = undefined;
    this.generation++;
    this.state = undefined;
    this.current?.samples.fill(0, 0, this.context);
    this.filled = 0;
    this.voiced = false;
    this.inSpeech = false;
    this.voicedRun = 0;
    this.silentRun = 0;
    this.event = 'none';
  }

  push(frame: Uint8Array): VoiceActivity {
    if (this.closed) return 'none';
    const energy = this.fallback ?? this.resting;
    if (energy) {
      const activity = energy.push(frame);
      this.lastVoiced = energy.lastVoiced;
      this.lastFrameMs = energy.lastFrameMs;
      this.lastRms = energy.lastRms;
      return activity;
    }
    this.lastFrameMs = durationMs(this.format, frame.length);
    this.lastRms = frameRms(frame, this.format);
    const pcm = this.converter.convert(frame);
    const offset = this.context;
    for (let i = 0; i + 1 < pcm.length; i += 2) {
      const slot = (this.current ??= this.takeSlot());
      slot.samples[offset + this.filled++] = ((((pcm[i] as number) | ((pcm[i + 1] as number) << 8)) << 16) >> 16) / 32768;
      if (this.filled === this.window) this.submit(slot);
    }
    this.lastVoiced = this.voiced;
    const event = this.event;
    this.event = 'none';
    return event;
  }

  close(): void {
    this.closed = true;
  }

  /** Resolves when every window handed to the model so far has run (tests, benchmarks). */
  settled(): Promise<void> {
    return this.chain;
  }

  /** Hands a full window to the model (in order) and starts the next one with its context. */
  private submit(slot: Slot): void {
    const next = this.takeSlot();
    next.samples.set(slot.samples.subarray(this.window, this.window + this.context), 0);
    this.current = next;
    this.filled = 0;
    if (this.pending >= this.tuning.maxPendingWindows) {
      if (this.droppedWindows++ === 0) this.logger?.warn({ callId: this.callId }, 'silero vad fell behind; dropping windows');
      this.pool.push(slot);
      return;
    }
    this.pending++;
    const generation = this.generation;
    this.chain = this.chain.then(() => this.infer(slot, generation));
  }

  private async infer(slot: Slot, generation: number): Promise<void> {
    try {
      const model = await this.model;
      if (this.closed || this.fallback || generation !== this.generation) return;
      this.state ??= model.initialState();
      this.sr ??= model.sampleRate(this.rate);
      slot.tensor ??= model.inputTensor(slot.samples);
      const { probability, state } = await model.run(slot.tensor, this.state, this.sr);
      this.windowsRun++;
      if (this.closed || generation !== this.generation) return;
      this.state = state;
      this.decide(probability);
    } catch (err) {
      if (!this.closed && !this.fallback) {
        this.logger?.error({ err, callId: this.callId }, 'silero vad failed; using the energy detector');
        this.fallback = new EnergyVoiceActivityDetector(this.format, { silenceMs: this.tuning.silenceMs });
      }
    } finally {
      this.pending--;
      this.pool.push(slot);
    }
  }

  /** Hysteresis on the probability, then the speech state machine in window time. */
  private decide(probability: number): void {
    const { threshold, negThreshold, minSpeechMs, silenceMs } = this.tuning;
    this.lastProbability = probability;
    if (probability >= threshold) this.voiced = true;
    else if (probability < negThreshold) this.voiced = false;
    if (this.voiced) {
      this.voicedRun += this.windowMs;
      this.silentRun = 0;
      if (!this.inSpeech && this.voicedRun >= minSpeechMs) {
        this.inSpeech = true;
        this.event = 'speechStart';
      }
      return;
    }
    this.silentRun += this.windowMs;
    if (this.silentRun >= RESET_SILENCE_MS) this.voicedRun = 0;
    if (this.inSpeech && this.silentRun >= silenceMs) {
      this.inSpeech = false;
      this.event = 'speechEnd';
    }
  }

  private takeSlot(): Slot {
    return this.pool.pop() ?? { samples: new Float32Array(this.context + this.window), tensor: undefined };
  }
}
