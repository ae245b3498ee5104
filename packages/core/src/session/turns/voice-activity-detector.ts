import type { Logger } from '../../log/logger.js';

/** What one frame changed: speech began, ended, or neither. */
export type VoiceActivity = 'none' | 'speechStart' | 'speechEnd';

/**
 * One call's voice-activity detector over the caller's frames (in the carrier's format, one
 * frame at a time, synchronously: it is on the audio path). It feeds barge-in evidence and,
 * with `turnDetection: 'vad'`, ends the caller's turn. The energy detector is the default;
 * a `VADProvider` (e.g. `@patter/silero`) makes another. A detector whose model runs
 * asynchronously reports its latest decision: its events may come a frame or so later.
 */
export interface VoiceActivityDetector {
  /** Takes the next frame; returns whether speech started or ended with it. */
  push(frame: Uint8Array): VoiceActivity;
  /** Inside speech (between `speechStart` and `speechEnd`). */
  readonly speaking: boolean;
  /** Whether the last frame was voiced. */
  readonly lastVoiced: boolean;
  /** Duration of the last frame, ms. */
  readonly lastFrameMs: number;
  /** RMS of the last frame (0–1 of full scale): the hallucination filter's evidence. */
  readonly lastRms: number;
  /**
   * Whether the session needs this detector's decisions now: barge-in is possible (the agent is
   * speaking), or turns end on the VAD. A detector with costly work (a model) may skip it while not
   * needed and judge by frame energy meanwhile. Not called: always needed.
   */
  setNeeded?(needed: boolean): void;
  /** Frees what the detector holds (model state); no frame is pushed after. */
  close?(): void;
}

/** What the session tells a provider's detector. */
export interface VoiceActivityDetectorOptions {
  /** Silence after speech that ends it (the agent's `endpointingMs`). Default 700 ms. */
  readonly silenceMs?: number;
  readonly logger?: Logger;
  readonly callId?: string;
}
