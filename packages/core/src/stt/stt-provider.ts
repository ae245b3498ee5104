import type { AudioFormat } from '../audio/audio-format.js';
import type { Logger } from '../log/logger.js';
import type { Transcript } from './transcript.js';

export interface STTStreamOptions {
  /** The format of the audio that `sendAudio` will receive: one of `inputFormats`. */
  readonly format: AudioFormat;
  /** Aborting ends the stream like `close()` without waiting for the vendor. */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /** Call id, for log lines. */
  readonly callId?: string;
  /**
   * A connection this provider's `park()` opened while the call rang: the stream adopts it (no
   * handshake) when its format is `format`, else closes it and connects as usual.
   */
  readonly parked?: ParkedSTTConnection;
}

/** A vendor connection opened ahead for one call (answer-time warmup), for `stream({ parked })`. */
export interface ParkedSTTConnection {
  readonly format: AudioFormat;
  /** Closes it when it is not adopted (the call never connected). */
  close(): void;
}

/** Audio seconds sent, for cost. */
export interface STTUsage {
  readonly audioSeconds: number;
}

/**
 * One call's live recognition: its own vendor connection, never shared with another call.
 * `sendAudio` may be called before the connection is open (audio is buffered, bounded) and
 * returns at once; the stream reconnects on a dropped socket, re-sending the audio since the
 * last final result. After `close()` or an abort nothing more is emitted.
 */
export interface STTStream {
  sendAudio(audio: Uint8Array): void;
  /** The transcripts, in order. Ends after `close()`; throws if the vendor fails for good. */
  transcripts(): AsyncIterable<Transcript>;
  /** Ask the vendor to finalize what it heard (local end of speech). */
  finalize(): void;
  /** Flush, let the vendor send its last results, then close the connection. */
  close(): Promise<void>;
  usage(): STTUsage;
}

/**
 * A speech-to-text configuration. One object serves every call of an agent: each call opens
 * its own `STTStream`.
 */
export interface STTProvider {
  /** Provider key: labels metrics and cost (`deepgram`, `assemblyai` …). */
  readonly key: string;
  /** The vendor model the provider uses (`nova-3` …): labels metrics and traces (`patter.stt.model`). */
  readonly model?: string;
  /** Formats the vendor accepts natively, best first. The session converts only if none matches. */
  readonly inputFormats: readonly AudioFormat[];
  /**
   * `false` when the vendor never detects the end of speech by itself (buffered STT such as
   * Whisper transcribes only on `finalize()`): the session must end turns with its own voice
   * detection and call `finalize()` (as with `turnDetection: 'vad'`). Absent: the vendor does.
   */
  readonly endpointing?: boolean;
  stream(options: STTStreamOptions): STTStream;
  /** Pre-open what can be pre-opened (socket, DNS/TLS). Never throws. */
  warmup?(): Promise<void>;
  /**
   * Opens one call's connection ahead, while it rings; hand it to `stream({ parked })` (or
   * `close()` it). Only for vendors that keep an idle socket open. Rejects like a connect.
   */
  park?(options: { readonly format: AudioFormat; readonly signal?: AbortSignal }): Promise<ParkedSTTConnection>;
}
