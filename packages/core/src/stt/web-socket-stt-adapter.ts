import type { ProviderError } from '../errors/provider-error.js';
import type { Logger } from '../log/logger.js';
import type { AudioPace } from './audio-pacer.js';
import type { Transcript } from './transcript.js';

/** Where and how one connection is opened. Called again for every reconnect. */
export interface WebSocketSTTRequest {
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly protocols?: string | string[];
}

/** Signals an adapter raises from `onMessage`, that the machinery (or a close sequence) waits on. */
/** `ready`: the vendor's session started (audio flows from then on when the adapter sets `awaitReady`). */
export type WebSocketSTTSignal = 'flushed' | 'done' | 'ready';

/** What an adapter may do while handling a vendor message. */
export interface WebSocketSTTContext {
  /** Emits a transcript (dropped after close). Word times are shifted past any reconnect. */
  emit(transcript: Transcript): void;
  /**
   * The vendor finalized the audio up to `untilSeconds` (seconds of this connection's audio;
   * omitted = everything sent so far). That audio is no longer re-sent after a reconnect.
   */
  commit(untilSeconds?: number): void;
  /** Raises a signal: `flushed` (a finalize was answered), `done` (the vendor ended the session). */
  notify(signal: WebSocketSTTSignal): void;
  /**
   * The vendor reported an error. Retryable → the socket is dropped and the stream reconnects;
   * otherwise the stream fails with it (`transcripts()` throws).
   */
  error(error: ProviderError): void;
  readonly logger: Logger;
}

/** What a graceful close sequence may do with the open socket. */
export interface WebSocketSTTCloseIO {
  send(data: string | Uint8Array): void;
  /** Binary audio messages sent on this socket so far (Speechmatics' `EndOfStream.last_seq_no`). */
  readonly audioMessagesSent: number;
  /** Resolves true when the signal is raised, false after `timeoutMs` or when the socket closes. */
  waitFor(signal: WebSocketSTTSignal, timeoutMs: number): Promise<boolean>;
}

/** Reconnect policy for a socket that drops mid-call. */
export interface WebSocketSTTReconnect {
  /** Consecutive reconnects before giving up (a connection that received a message resets it). Default 3. */
  readonly maxAttempts?: number;
  /** First backoff. Default 100 ms. */
  readonly minDelayMs?: number;
  /** Backoff cap. Default 2000 ms. */
  readonly maxDelayMs?: number;
}

/**
 * The vendor-specific part of a WebSocket STT stream: a small object of data and pure-ish
 * functions. `createWebSocketSTTStream` does the rest (buffering, reconnect, close, usage).
 */
export interface WebSocketSTTAdapter {
  /** Provider key, for errors and logs. */
  readonly provider: string;
  /** Named in the auth error on a 401/403. */
  readonly apiKeyEnv?: string;
  request(): WebSocketSTTRequest;
  /**
   * Text frames sent right after each open, before any audio (a session config). Called once per
   * connection, so it is also where an adapter resets per-connection state after a reconnect.
   */
  openMessages?(): readonly string[];
  /**
   * Handles one JSON message. Returns false when the message type is unknown: it is then
   * logged at debug level and dropped. Binary messages are dropped with a debug line.
   */
  onMessage(message: unknown, ctx: WebSocketSTTContext): boolean;
  /**
   * Hold audio after each open until `onMessage` raises `ready` (vendors that take audio only
   * after their session-started message, e.g. Speechmatics' `RecognitionStarted`).
   */
  readonly awaitReady?: boolean;
  /**
   * Text frame that ends a session the vendor would otherwise keep open and billing (AssemblyAI's
   * Terminate): a warm-up connection sends it before its close.
   */
  readonly endMessage?: string;
  /** Text frame sent on `finalize()`. None: `finalize()` only flushes buffered audio. */
  readonly finalizeMessage?: string;
  /** Called when `finalize()` went out on an open socket (to mark the next final `fromFinalize`). */
  onFinalize?(): void;
  /**
   * Graceful close: send what the vendor needs (and optionally wait). The machinery then waits
   * for the server to close the socket or for a `done` signal, within `closeTimeoutMs`.
   */
  close?(io: WebSocketSTTCloseIO): Promise<void> | void;
  /** `message` undefined → a WebSocket ping. `onlyWhenIdle`: skipped while audio flows. */
  readonly keepAlive?: { readonly intervalMs: number; readonly message?: string; readonly onlyWhenIdle?: boolean };
  /**
   * What a close the stream did not ask for means. Return a non-retryable error to fail the
   * stream (auth, bad config); a retryable one (or undefined) reconnects.
   */
  classifyClose?(code: number, reason: string): ProviderError | undefined;
  /** The vendor's minimum audio message duration: frames are coalesced up to it (AssemblyAI: 50). */
  readonly minChunkMs?: number;
  /**
   * The vendor's preferred audio message duration: frames are coalesced up to it (fewer socket
   * writes), at the cost of up to this long before a frame leaves. A finalize or a close sends what
   * is held at once, and so does a tail that waited this long. None: each frame as it comes.
   */
  readonly chunkMs?: number;
  /** Largest audio message when a backlog is flushed (after open / reconnect). Default 100 ms. */
  readonly maxChunkMs?: number;
  /**
   * The vendor refuses audio sent faster than real time (AssemblyAI 3007, Soniox): each
   * connection runs at most `burstMs` ahead of its wall clock, then `rate`× real time, so a
   * backlog replayed after a reconnect drains over time. None: audio goes out as it comes.
   */
  readonly paceAudio?: AudioPace;
  readonly reconnect?: WebSocketSTTReconnect;
  /**
   * The vendor's default for the stream's `inactivityTimeoutMs`: how long it may stay silent
   * while audio flows before the socket counts as stuck. Default 15 000 ms; 0 = never.
   */
  readonly inactivityTimeoutMs?: number;
}
