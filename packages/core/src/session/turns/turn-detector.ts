import type { Transcript } from '../../stt/transcript.js';

export type TurnDetection = 'stt' | 'vad';

/**
 * Assembles the caller's turn from STT events and says when it is over. With `stt` the turn
 * ends on the vendor's end of speech (`speechFinal`, or `UtteranceEnd` after finals); with
 * `vad` it ends on the first final after the session's own detector heard silence and
 * finalized the stream (`expectFinal()`), or when that wait times out (`forceEnd()`).
 */
export class TurnDetector {
  private finals: string[] = [];
  private interim = '';
  private awaitingFinal = false;

  constructor(private readonly mode: TurnDetection) {}

  /** Whether the caller has said something in the current turn. */
  get hasSpeech(): boolean {
    return this.finals.length > 0 || this.interim !== '';
  }

  /** Returns the turn's text when this event completes it. */
  onTranscript(event: Transcript): string | undefined {
    if (event.eventType === 'UtteranceEnd') {
      return this.mode === 'stt' ? this.take() : undefined;
    }
    if (event.eventType !== 'Results') return undefined;
    const text = event.text.trim();
    if (!event.isFinal) {
      this.interim = text;
      return undefined;
    }
    this.interim = '';
    if (text !== '') this.finals.push(text);
    if (this.mode === 'stt' ? event.speechFinal : this.awaitingFinal) return this.take();
    return undefined;
  }

  /** VAD heard the end of speech and finalized the STT: the next final ends the turn. */
  expectFinal(): void {
    this.awaitingFinal = true;
  }

  /** Ends the turn with what was heard (finals, else the last interim). */
  forceEnd(): string | undefined {
    return this.take();
  }

  private take(): string | undefined {
    const text = (this.finals.length > 0 ? this.finals.join(' ') : this.interim).trim();
    this.finals = [];
    this.interim = '';
    this.awaitingFinal = false;
    return text === '' ? undefined : text;
  }
}
