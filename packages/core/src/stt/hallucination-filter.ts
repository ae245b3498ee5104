/**
 * What the audio behind a transcript looked like. Every field is optional: the filter uses
 * what it is given and never drops a transcript on a guess it cannot support.
 */
export interface UtteranceEvidence {
  /** Milliseconds of audio that carried speech energy (see `SpeechMeter`). */
  readonly voicedMs?: number;
  /** Milliseconds of audio the transcript covers. */
  readonly durationMs?: number;
  /** The loudest frame's RMS, 0–1 of full scale. */
  readonly peakRms?: number;
  /** The vendor's probability that the audio held no speech (Whisper `no_speech_prob`), 0–1. */
  readonly noSpeechProb?: number;
  /** When the transcript arrived, in ms on any monotonic clock (for the duplicate check). Default: now. */
  readonly atMs?: number;
}

export type HallucinationReason = 'empty' | 'silence' | 'phrase' | 'repetition' | 'rate' | 'duplicate';

export type HallucinationVerdict =
  | { readonly keep: true }
  | { readonly keep: false; readonly reason: HallucinationReason };

export interface HallucinationFilterOptions {
  /**
   * Phrases a model produces on silence that callers also say for real ("you", "thank you",
   * "bye"): dropped only when the evidence says the audio was weak. Replaces the default list.
   */
  readonly suspectPhrases?: readonly string[];
  /** Phrases nobody says on a phone call ("thanks for watching"): always dropped. Replaces the default list. */
  readonly outroPhrases?: readonly string[];
  /** Below this much voiced audio a suspect phrase is treated as invented. Default 250 ms. */
  readonly minSpeechMs?: number;
  /** A peak frame RMS below this means the clip was silence, whatever the text. Default 0.006 (≈ -44 dBFS). */
  readonly silenceRms?: number;
  /** A `noSpeechProb` at or above this makes a suspect phrase invented. Default 0.6. */
  readonly noSpeechThreshold?: number;
  /** The same text again within this many ms of the last kept one is a re-emission. Default 500. */
  readonly duplicateWindowMs?: number;
  /** More words per second of audio than this (plus two words of slack) cannot be real. Default 7. */
  readonly maxWordsPerSecond?: number;
}

/** Whisper-family outputs on silence and low-energy telephony audio that are also real answers. */
export const SUSPECT_PHRASES: readonly string[] = ['you', 'thank you', 'thank you very much', 'thanks', 'bye', 'bye bye'];

/** Outros learned from subtitled video: never real on a call. */
export const OUTRO_PHRASES: readonly string[] = [
  'thanks for watching',
  'thank you for watching',
  'thank you so much for watching',
  'please subscribe',
  'like and subscribe',
  'see you next time',
  'see you in the next video',
  'subtitles by the amaraorg community',
  'subtitles by the amara org community',
  'ご視聴ありがとうございました',
  '시청해주셔서 감사합니다',
  'abone olmayı unutmayın',
];

const DEFAULTS = {
  minSpeechMs: 250,
  silenceRms: 0.006,
  noSpeechThreshold: 0.6,
  duplicateWindowMs: 500,
  maxWordsPerSecond: 7,
} as const;

/** Lower-case, punctuation and symbols removed, single spaces. Keeps letters of every script. */
export function normalizeTranscriptText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Drops the transcripts speech-to-text models invent on silence, line noise and very short
 * clips ("you", ".", "Thank you.", "Thanks for watching!", "you you you", a re-sent final),
 * without dropping real short answers: a phrase that callers also say ("thank you", "bye") is
 * dropped only when the audio evidence says it was not spoken (little voiced audio, a high
 * no-speech probability, or a silent clip); "yes", "no", "okay" are never on a list. One filter
 * per call: it remembers the last kept transcript for the duplicate check.
 */
export class HallucinationFilter {
  private readonly suspect: ReadonlySet<string>;
  private readonly outro: ReadonlySet<string>;
  private readonly options: Required<Omit<HallucinationFilterOptions, 'suspectPhrases' | 'outroPhrases'>>;
  private lastText = '';
  private lastAt = Number.NEGATIVE_INFINITY;

  constructor(options: HallucinationFilterOptions = {}) {
    this.suspect = new Set((options.suspectPhrases ?? SUSPECT_PHRASES).map(normalizeTranscriptText));
    this.outro = new Set((options.outroPhrases ?? OUTRO_PHRASES).map(normalizeTranscriptText));
    this.options = {
      minSpeechMs: options.minSpeechMs ?? DEFAULTS.minSpeechMs,
      silenceRms: options.silenceRms ?? DEFAULTS.silenceRms,
      noSpeechThreshold: options.noSpeechThreshold ?? DEFAULTS.noSpeechThreshold,
      duplicateWindowMs: options.duplicateWindowMs ?? DEFAULTS.duplicateWindowMs,
      maxWordsPerSecond: options.maxWordsPerSecond ?? DEFAULTS.maxWordsPerSecond,
    };
  }

  /** Judges one final transcript; a kept one becomes the reference for the duplicate check. */
  check(text: string, evidence: UtteranceEvidence = {}): HallucinationVerdict {
    const verdict = this.judge(text, evidence);
    if (verdict.keep) {
      this.lastText = normalizeTranscriptText(text);
      this.lastAt = evidence.atMs ?? performance.now();
    }
    return verdict;
  }

  /** `check(...).keep`. */
  accept(text: string, evidence: UtteranceEvidence = {}): boolean {
    return this.check(text, evidence).keep;
  }

  /** Forgets the last kept transcript (a new call). */
  reset(): void {
    this.lastText = '';
    this.lastAt = Number.NEGATIVE_INFINITY;
  }

  private judge(text: string, evidence: UtteranceEvidence): HallucinationVerdict {
    const normalized = normalizeTranscriptText(text);
    if (normalized === '') return drop('empty');
    const { peakRms, voicedMs, durationMs, noSpeechProb } = evidence;
    if ((peakRms !== undefined && peakRms < this.options.silenceRms) || voicedMs === 0) return drop('silence');

    const words = normalized.split(' ');
    const unit = repeatedUnit(words);
    if (this.outro.has(normalized) || (unit !== undefined && this.outro.has(unit))) return drop('phrase');
    if (unit !== undefined && words.length >= 6) return drop('repetition');
    if (this.suspect.has(normalized) || (unit !== undefined && this.suspect.has(unit))) {
      const weak =
        (voicedMs !== undefined && voicedMs < this.options.minSpeechMs) ||
        (noSpeechProb !== undefined && noSpeechProb >= this.options.noSpeechThreshold);
      if (weak) return drop('phrase');
    }
    if (durationMs !== undefined && words.length > 2 + (this.options.maxWordsPerSecond * durationMs) / 1000) {
      return drop('rate');
    }
    const at = evidence.atMs ?? performance.now();
    if (normalized === this.lastText && at - this.lastAt < this.options.duplicateWindowMs) return drop('duplicate');
    return { keep: true };
  }
}

function drop(reason: HallucinationReason): HallucinationVerdict {
  return { keep: false, reason };
}

/** "you you you" → "you", "thank you thank you thank you" → "thank you": the unit repeated ≥ 3 times. */
function repeatedUnit(words: readonly string[]): string | undefined {
  for (let size = 1; size <= 3 && size * 3 <= words.length; size++) {
    if (words.length % size !== 0) continue;
    let same = true;
    for (let i = size; i < words.length && same; i++) same = words[i] === words[i % size];
    if (same) return words.slice(0, size).join(' ');
  }
  return undefined;
}
