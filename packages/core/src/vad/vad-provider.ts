import type { AudioFormat } from '../audio/audio-format.js';
import type { VoiceActivityDetector, VoiceActivityDetectorOptions } from '../session/turns/voice-activity-detector.js';

/**
 * A voice-activity detection configuration, shared by every call of an agent (`vad` in the
 * agent's options): each call gets its own detector over the carrier's audio format. Without
 * one, the session uses the energy detector.
 *
 * @example
 * phone.agent({ stt, llm, tts, vad: silero.VAD() });
 */
export interface VADProvider {
  /** Provider key (`energy`, `silero` …): logs and the registry. */
  readonly key: string;
  /** One call's detector over frames in `format` (the carrier's format). */
  create(format: AudioFormat, options?: VoiceActivityDetectorOptions): VoiceActivityDetector;
  /** Load what can be loaded ahead (a model). Never throws. */
  warmup?(): Promise<void>;
  close?(): Promise<void>;
}
