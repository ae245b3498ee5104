import type { Transcript } from '../../stt/transcript.js';

export interface BargeInOptions {
  /** Default true. */
  readonly allowInterruptions?: boolean;
  /**
   * Minimum caller speech before it interrupts: ms of voiced audio (from the session's voice
   * detector or the words' timings), or — for text without timings — about 1 character per
   * 60 ms. 0 → the STT's speech-start event interrupts at once. Default 250.
   */
  readonly minMs?: number;
  /** No interruption during this long after the agent starts speaking. Default 300. */
  readonly graceMs?: number;
}

/** Characters of interim text that stand for `ms` of speech (≈ 16 characters per second). */
const MS_PER_CHAR = 60;

/**
 * Decides when the caller's speech interrupts the agent. It only judges; the pipeline acts
 * (clears the carrier in the same turn, aborts the LLM and TTS). Evidence: the STT's
 * speech-start event, interim or final text, and voiced audio from the session's detector.
 */
export class BargeInPolicy {
  private readonly allow: boolean;
  private readonly minMs: number;
  private readonly graceMs: number;
  private voicedMs = 0;
  private silentMs = 0;

  constructor(options: BargeInOptions = {}) {
    this.allow = options.allowInterruptions ?? true;
    this.minMs = Math.max(0, options.minMs ?? 250);
    this.graceMs = Math.max(0, options.graceMs ?? 300);
  }

  get enabled(): boolean {
    return this.allow;
  }

  /**
   * Whether this STT event interrupts an agent that has been speaking since `speakingSince`
   * (performance.now(), 0 = not speaking).
   */
  onTranscript(event: Transcript, speakingSince: number, now: number): boolean {
    if (!this.canInterrupt(speakingSince, now)) return false;
    if (event.eventType === 'SpeechStarted') return this.minMs === 0;
    if (event.eventType !== 'Results') return false;
    const text = event.text.trim();
    if (text === '') return false;
    if (this.minMs === 0) return true;
    const words = event.words;
    if (words && words.length > 0) {
      const first = words[0];
      const last = words[words.length - 1];
      if (first && last && (last.end - first.start) * 1000 >= this.minMs) return true;
    }
    return text.replace(/\s+/g, '').length * MS_PER_CHAR >= this.minMs;
  }

  /**
   * Voiced audio from the session's detector: interrupts once the caller has spoken `minMs`
   * (a cough stays below).
   */
  onVoice(voiced: boolean, frameMs: number, speakingSince: number, now: number): boolean {
    if (!voiced) {
      // Gaps between syllables do not reset the count; 200 ms of silence does.
      this.silentMs += frameMs;
      if (this.silentMs >= 200) this.voicedMs = 0;
      return false;
    }
    this.silentMs = 0;
    this.voicedMs += frameMs;
    return this.minMs > 0 && this.voicedMs >= this.minMs && this.canInterrupt(speakingSince, now);
  }

  private canInterrupt(speakingSince: number, now: number): boolean {
    return this.allow && speakingSince > 0 && now - speakingSince >= this.graceMs;
  }
}
