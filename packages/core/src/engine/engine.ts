import type { AudioFormat } from '../audio/audio-format.js';
import type { ProviderError } from '../errors/provider-error.js';
import type { ToolCallRequest } from '../llm/chat-message.js';
import type { ToolSpec } from '../llm/llm-provider.js';
import type { Logger } from '../log/logger.js';

/** One turn of the conversation so far, as text (what the caller said, what the caller heard). */
export interface EngineTurn {
  readonly role: 'user' | 'assistant';
  readonly text: string;
}

export interface EngineConnectOptions {
  readonly instructions: string;
  /** Spoken verbatim by the engine when the call starts. */
  readonly firstMessage?: string;
  /**
   * The conversation so far, oldest first, when the bridge reconnects a dropped session of a
   * `resumable` engine (never together with `firstMessage`). Only the user and assistant text
   * turns of the call's history: tool calls and their results are left out (their effects stand,
   * and the assistant's words about them are in its turns). An assistant turn cut by a barge-in
   * holds only the part the caller heard.
   */
  readonly history?: readonly EngineTurn[];
  readonly tools: readonly ToolSpec[];
  /** The carrier's media format; the engine negotiates with its vendor from it. */
  readonly carrierFormat: AudioFormat;
  readonly variables?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  readonly callId?: string;
}

export interface EngineUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly inputAudioTokens?: number;
  readonly outputAudioTokens?: number;
}

export type EngineEvent =
  /** Agent audio in the session's current `outputFormat`. */
  | { readonly type: 'audio'; readonly data: Uint8Array }
  /** The vendor confirmed (or changed) the formats; convert from these from now on. */
  | { readonly type: 'formats'; readonly input: AudioFormat; readonly output: AudioFormat }
  /** The caller started speaking (the bridge clears the carrier and calls `interrupt`). */
  | { readonly type: 'speechStarted' }
  /** The caller stopped speaking (the turn's latency is measured from here). */
  | { readonly type: 'speechStopped' }
  /** The vendor interrupted its own reply (the bridge clears the carrier). */
  | { readonly type: 'interruption' }
  /**
   * A final assistant transcript belongs to the reply under way (it may come before that reply's
   * audio) and is always followed by that reply's `responseDone`.
   */
  | { readonly type: 'transcript'; readonly role: 'user' | 'assistant'; readonly text: string; readonly isFinal: boolean }
  /** The vendor cut its reply's text to what was heard before an interruption (ElevenLabs). */
  | { readonly type: 'transcriptCorrection'; readonly original: string; readonly corrected: string }
  | { readonly type: 'toolCall'; readonly call: ToolCallRequest }
  /** The reply has been generated: all its audio has been emitted (the carrier may still be playing it). */
  | { readonly type: 'responseDone'; readonly usage?: EngineUsage }
  | { readonly type: 'error'; readonly error: ProviderError; readonly fatal: boolean };

/** One call's live speech-to-speech session. */
export interface EngineSession {
  readonly inputFormat: AudioFormat;
  readonly outputFormat: AudioFormat;
  /**
   * The vendor's id of this session (OpenAI Realtime `sess_…`, ElevenLabs `conversation_id`),
   * known once connected: it goes on the call's trace span, for support tickets.
   */
  readonly vendorId?: string | undefined;
  sendAudio(audio: Uint8Array): void;
  /** Ends when the session closes; a fatal vendor failure arrives as an `error` event first. */
  events(): AsyncIterable<EngineEvent>;
  sendToolResult(callId: string, output: string): void;
  /** Stop the current reply; `playedMs` is how much of it the caller actually heard. */
  interrupt(playedMs: number): void;
  /** Speak `text` verbatim. */
  say(text: string): void;
  close(): Promise<void>;
}

/** A speech-to-speech runtime configuration, shared by every call of an agent. */
export interface Engine {
  /** Provider key (`openai_realtime`, `elevenlabs_convai` …). */
  readonly key: string;
  /**
   * `connect()` with `history` restores the conversation, so the bridge may reconnect a session
   * that dropped with a retryable failure instead of ending the call. Absent: not resumable.
   */
  readonly resumable?: boolean;
  connect(options: EngineConnectOptions): Promise<EngineSession>;
  warmup?(): Promise<void>;
}
