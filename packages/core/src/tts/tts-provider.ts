import type { AudioFormat } from '../audio/audio-format.js';
import type { Logger } from '../log/logger.js';

export interface TTSSynthesizeOptions {
  /** The format to produce: one of `outputFormats`. Defaults to `outputFormats[0]`. */
  readonly format?: AudioFormat;
  /** Aborting stops the stream and closes the socket/request within one event-loop turn. */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  readonly callId?: string;
  /** Called once per request the vendor accepted, with what it bills (characters). */
  readonly onUsage?: (usage: TTSUsage) => void;
  /** Called with the vendor's id of this request, when the vendor gives one (trace span, support tickets). */
  readonly onRequestId?: (requestId: string) => void;
}

/** Characters a vendor accepted for synthesis, for cost. */
export interface TTSUsage {
  readonly characters: number;
}

/**
 * Streaming text input for vendors that take text deltas on one connection (the LLM's tokens
 * go in as they come; audio comes out as soon as the vendor has enough).
 */
export interface TTSInputStream {
  pushText(delta: string): void;
  /** No more text: the vendor flushes and the audio iterable ends after the last chunk. */
  endInput(): void;
  audio(): AsyncIterable<Uint8Array>;
  close(): Promise<void>;
}

/** A text-to-speech configuration, shared by every call of an agent. */
export interface TTSProvider {
  /** Provider key: labels metrics and cost (`elevenlabs_ws`, `cartesia_tts` …). */
  readonly key: string;
  /** The vendor model the provider uses (`sonic-3` …): labels metrics and traces (`patter.tts.model`). */
  readonly model?: string;
  /** Formats the vendor can produce, best first (a user's explicit format is the only entry). */
  readonly outputFormats: readonly AudioFormat[];
  /**
   * Speak `text`. Yields audio in `options.format`, every chunk a whole number of samples.
   * Retries 429/5xx only before the first byte; after audio began, a failure throws.
   */
  synthesize(text: string, options?: TTSSynthesizeOptions): AsyncIterable<Uint8Array>;
  /** Streaming text input, where the vendor supports it. */
  stream?(options?: TTSSynthesizeOptions): TTSInputStream;
  warmup?(): Promise<void>;
  close?(): Promise<void>;
}
