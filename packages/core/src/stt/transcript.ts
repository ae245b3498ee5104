/** What kind of STT event a `Transcript` carries (Deepgram's names, used for every vendor). */
export type TranscriptEventType = 'Results' | 'UtteranceEnd' | 'SpeechStarted';

export interface TranscriptWord {
  readonly word: string;
  /** Seconds from the start of the stream. */
  readonly start: number;
  readonly end: number;
  readonly confidence?: number;
  readonly speaker?: number | string;
}

/** One event from a speech-to-text stream. */
export interface Transcript {
  readonly text: string;
  /** The text of this segment will not change any more. */
  readonly isFinal: boolean;
  /** The vendor says the speaker finished their turn (end of speech / end of turn). */
  readonly speechFinal: boolean;
  readonly confidence: number;
  /** This final was forced by `finalize()` rather than by the vendor's endpointing. */
  readonly fromFinalize: boolean;
  readonly eventType: TranscriptEventType;
  readonly words?: readonly TranscriptWord[];
  readonly requestId?: string;
  readonly language?: string;
  readonly speaker?: number | string;
}

/** Fills the fields a vendor rarely sets; the rest are required. */
export function transcript(
  fields: Pick<Transcript, 'text'> & Partial<Transcript>,
): Transcript {
  return {
    isFinal: false,
    speechFinal: false,
    confidence: 1,
    fromFinalize: false,
    eventType: 'Results',
    ...fields,
  };
}
