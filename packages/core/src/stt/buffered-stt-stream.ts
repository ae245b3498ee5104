import type { AudioFormat } from '../audio/audio-format.js';
import { encodeWav } from '../audio/wav.js';
import { ConfigError } from '../errors/config-error.js';
import { ProviderError } from '../errors/provider-error.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { AsyncQueue } from '../util/async-queue.js';
import { delay, isAbortError } from '../util/abort.js';
import { retry, type RetryOptions } from '../util/retry.js';
import { HallucinationFilter, type HallucinationFilterOptions, type UtteranceEvidence } from './hallucination-filter.js';
import type { STTStream, STTStreamOptions, STTUsage } from './stt-provider.js';
import { transcript, type Transcript, type TranscriptWord } from './transcript.js';
import { UtteranceBuffer, type UtteranceBufferOptions } from './utterance-buffer.js';

/** What a vendor's transcription of one utterance yields: text deltas (streaming vendors), then the result. */
export type BufferedTranscriptionEvent =
  | { readonly type: 'delta'; readonly text: string }
  | {
      readonly type: 'final';
      readonly text: string;
      readonly confidence?: number;
      /** The vendor's probability that the clip held no speech (fed to the hallucination filter). */
      readonly noSpeechProb?: number;
      readonly language?: string;
      readonly words?: readonly TranscriptWord[];
      readonly requestId?: string;
    };

/** One utterance to transcribe. */
export interface BufferedUtterance {
  /** A RIFF/WAVE file of PCM16 mono audio. */
  readonly wav: Uint8Array;
  readonly format: AudioFormat;
  readonly durationMs: number;
  /** Aborted on close/abort of the stream: pass it to the request. */
  readonly signal: AbortSignal;
  /** The stream's logger (provider and call id bound), for malformed vendor output. */
  readonly logger: Logger;
}

/** The vendor request: one utterance in, events out. Throw `ProviderError`s (retryable ones are retried). */
export type TranscribeUtterance = (utterance: BufferedUtterance) => AsyncIterable<BufferedTranscriptionEvent>;

/** The user-facing knobs of a buffered STT; a plugin's options interface extends this. */
export interface BufferedSTTTuning extends Pick<UtteranceBufferOptions, 'vadThreshold' | 'preRollMs' | 'tailMs'> {
  /** An utterance with less voiced audio than this is never sent (silence, clicks). Default 120 ms. */
  readonly minVoicedMs?: number;
  /** Longer utterances are sent in pieces of this length (final, not `speechFinal`). Default 60 s. */
  readonly maxUtteranceMs?: number;
  /** Hallucination filter options; `false` keeps every transcript. */
  readonly filter?: HallucinationFilterOptions | false;
  /** How long `close()` waits for the last utterance's transcript before dropping it. Default 5000 ms. */
  readonly closeTimeoutMs?: number;
}

export interface BufferedSTTStreamOptions extends STTStreamOptions {
  /** Provider key, for errors and logs. */
  readonly provider: string;
  readonly transcribe: TranscribeUtterance;
  readonly tuning?: BufferedSTTTuning;
  /** Retries of a failed request before any text arrived. Default: 2 retries, 250 ms–2 s backoff. */
  readonly retry?: Omit<RetryOptions, 'signal'>;
}

/**
 * The stream machinery of a buffered ("record, then transcribe") STT: it buffers the caller's
 * PCM16 audio, and at the end of the turn (`finalize()` or `close()`) posts the utterance as
 * a WAV through `transcribe`, then emits interims for streamed deltas and one final. Silent
 * utterances are never sent; known hallucinations are dropped using the utterance's audio
 * evidence; utterances are transcribed in order, one at a time. A request that fails with a
 * non-retryable error (401, 400 …) fails the stream; one that keeps failing with a retryable
 * error is logged and its utterance dropped. After `close()` or an abort nothing is emitted.
 */
export class BufferedSTTStream implements STTStream {
  private readonly queue = new AsyncQueue<Transcript>(1000);
  private readonly controller = new AbortController();
  private readonly buffer: UtteranceBuffer;
  private readonly filter: HallucinationFilter | undefined;
  private readonly minVoicedMs: number;
  private readonly interimMinVoicedMs: number;
  private readonly logger: Logger;
  private pending: Promise<void> = Promise.resolve();
  private closed = false;
  private sentSeconds = 0;

  constructor(private readonly options: BufferedSTTStreamOptions) {
    const { format } = options;
    if (format.encoding !== 'pcm16' || format.channels !== 1) {
      throw new ConfigError('format', `${options.provider} takes mono pcm16 audio, got ${format.encoding}`);
    }
    const tuning = options.tuning ?? {};
    this.buffer = new UtteranceBuffer({
      sampleRate: format.sampleRate,
      maxMs: tuning.maxUtteranceMs ?? 60_000,
      ...(tuning.vadThreshold === undefined ? {} : { vadThreshold: tuning.vadThreshold }),
      ...(tuning.preRollMs === undefined ? {} : { preRollMs: tuning.preRollMs }),
      ...(tuning.tailMs === undefined ? {} : { tailMs: tuning.tailMs }),
    });
    this.filter = tuning.filter === false ? undefined : new HallucinationFilter(tuning.filter);
    // Interims only for clearly spoken utterances: a final the filter may still drop shows no text first.
    this.interimMinVoicedMs = tuning.filter === false ? 0 : (tuning.filter?.minSpeechMs ?? 250);
    this.minVoicedMs = tuning.minVoicedMs ?? 120;
    this.logger = (options.logger ?? silentLogger).child({ provider: options.provider, callId: options.callId });
    const signal = options.signal;
    if (signal?.aborted) this.abort();
    else signal?.addEventListener('abort', () => this.abort(), { once: true });
  }

  sendAudio(audio: Uint8Array): void {
    if (this.closed) return;
    this.buffer.push(audio);
    if (this.buffer.full) this.flush(false, false);
  }

  transcripts(): AsyncIterable<Transcript> {
    return this.queue;
  }

  finalize(): void {
    if (!this.closed) this.flush(true, true);
  }

  async close(): Promise<void> {
    if (this.closed) return this.pending;
    this.flush(false, true);
    this.closed = true;
    const timer = new AbortController();
    const timedOut = delay(this.options.tuning?.closeTimeoutMs ?? 5000, timer.signal).then(
      () => true,
      () => false,
    );
    if (await Promise.race([this.pending.then(() => false), timedOut])) {
      this.logger.warn({}, 'transcription still pending at close; dropped');
    }
    timer.abort();
    this.controller.abort();
    this.queue.end();
  }

  usage(): STTUsage {
    return { audioSeconds: this.sentSeconds };
  }

  private abort(): void {
    this.closed = true;
    this.controller.abort();
    this.queue.end();
  }

  private flush(fromFinalize: boolean, endOfTurn: boolean): void {
    if (!this.buffer.hasSpeech) {
      this.buffer.take();
      return;
    }
    const audio = this.buffer.take();
    if (audio.evidence.voicedMs < this.minVoicedMs) {
      this.logger.debug({ voicedMs: audio.evidence.voicedMs }, 'utterance without speech not sent');
      return;
    }
    const wav = encodeWav(audio.pcm, this.options.format);
    this.pending = this.pending.then(() => this.transcribe(wav, audio.evidence, fromFinalize, endOfTurn));
  }

  private async transcribe(
    wav: Uint8Array,
    evidence: UtteranceEvidence & { readonly durationMs: number; readonly voicedMs: number },
    fromFinalize: boolean,
    endOfTurn: boolean,
  ): Promise<void> {
    const signal = this.controller.signal;
    if (signal.aborted || this.queue.closed) return;
    const started = performance.now();
    const showInterims = evidence.voicedMs >= this.interimMinVoicedMs;
    let emitted = false;
    try {
      await retry(
        async () => {
          let text = '';
          for await (const event of this.options.transcribe({
            wav,
            format: this.options.format,
            durationMs: evidence.durationMs,
            signal,
            logger: this.logger,
          })) {
            if (signal.aborted) return;
            if (event.type === 'delta') {
              text += event.text;
              if (showInterims && text.trim() !== '') {
                emitted = true;
                this.queue.push(transcript({ text: text.trim(), fromFinalize }));
              }
              continue;
            }
            this.emitFinal(event, evidence, fromFinalize, endOfTurn);
            return;
          }
          if (text.trim() !== '') this.emitFinal({ type: 'final', text }, evidence, fromFinalize, endOfTurn);
        },
        {
          retries: 2,
          minDelayMs: 250,
          maxDelayMs: 2000,
          ...this.options.retry,
          signal,
          shouldRetry: (error) => !emitted && ProviderError.isProviderError(error) && error.retryable,
          onRetry: (err, attempt, waitMs) => this.logger.warn({ err, attempt, waitMs }, 'transcription request failed, retrying'),
        },
      );
      this.sentSeconds += evidence.durationMs / 1000;
      this.logger.debug({ ms: Math.round(performance.now() - started), audioMs: evidence.durationMs }, 'utterance transcribed');
    } catch (error) {
      if (signal.aborted || isAbortError(error)) return;
      if (ProviderError.isProviderError(error) && error.retryable) {
        this.logger.warn({ err: error }, 'transcription failed, utterance dropped');
        return;
      }
      this.closed = true;
      this.queue.fail(error);
    }
  }

  private emitFinal(
    event: Extract<BufferedTranscriptionEvent, { type: 'final' }>,
    evidence: UtteranceEvidence,
    fromFinalize: boolean,
    endOfTurn: boolean,
  ): void {
    const text = event.text.trim();
    if (this.filter) {
      const verdict = this.filter.check(text, {
        ...evidence,
        ...(event.noSpeechProb === undefined ? {} : { noSpeechProb: event.noSpeechProb }),
      });
      if (!verdict.keep) {
        this.logger.debug({ reason: verdict.reason }, 'transcript dropped as a hallucination');
        return;
      }
    }
    if (text === '') return;
    this.queue.push(
      transcript({
        text,
        isFinal: true,
        speechFinal: endOfTurn,
        fromFinalize,
        confidence: event.confidence ?? 1,
        ...(event.words === undefined ? {} : { words: event.words }),
        ...(event.language === undefined ? {} : { language: event.language }),
        ...(event.requestId === undefined ? {} : { requestId: event.requestId }),
      }),
    );
  }
}
