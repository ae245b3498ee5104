import type { AgentOptions } from '../agent/agent-options.js';
import type { CallControl } from '../call/call-control.js';
import type { CarrierCallEvent } from '../carrier/carrier.js';
import type { CallFailure } from './call-failure.js';
import type { CallEndReason, CallInfo, CallTransport } from '../carrier/call-transport.js';
import type { ChatMessage } from '../llm/chat-message.js';
import type { Logger } from '../log/logger.js';
import type { TextChannel } from '../carrier/text-channel.js';
import type { PreparedCall } from './prepared-call.js';

/** Per-call overrides: an outbound `phone.call()` brings its own. */
export interface CallOverrides {
  readonly variables?: Readonly<Record<string, string>>;
  readonly firstMessage?: string;
  readonly voicemailMessage?: string;
  /** Outbound call placed with answering-machine detection: wait for the result before speaking. */
  readonly machineDetection?: boolean;
}

export interface CallSessionOptions {
  readonly agent: AgentOptions;
  readonly transport: CallTransport;
  readonly logger?: Logger;
  readonly overrides?: CallOverrides;
  /** Typed text beside the media stream: an agent without `engine`, `stt` and `tts` converses over it. */
  readonly text?: TextChannel;
  /**
   * What answer-time warmup made ready while the call rang (`prepareCall`): the greeting's audio.
   * Awaited (at most a few seconds) before the greeting; anything missing is done live.
   */
  readonly prepared?: Promise<PreparedCall | undefined>;
}

/** Latency breakdown of one agent turn, in ms (undefined where a stage did not happen). */
export interface TurnMetrics {
  readonly callId: string;
  readonly turn: number;
  /** User speech end → final transcript. */
  readonly sttMs?: number;
  /** Final transcript → first LLM token. */
  readonly llmFirstTokenMs?: number;
  /** First LLM token → first speakable clause sent to TTS. */
  readonly firstSentenceMs?: number;
  /** TTS request → first audio byte. */
  readonly ttsFirstByteMs?: number;
  /** User speech end (or turn start) → first audio frame sent to the carrier. */
  readonly totalMs?: number;
  /**
   * User speech end (or turn start) → the carrier confirmed the reply's first audio frame was
   * played (its mark echo; the dev phone's playback acknowledgement): what the caller waited.
   */
  readonly heardMs?: number;
  readonly interrupted: boolean;
  readonly providers: Readonly<Record<string, string>>;
  /**
   * The framework's own share, in ms: `sttFinalToLlmRequestMs`, `llmFirstTokenToTtsRequestMs`,
   * `firstSentenceToTtsRequestMs`, `ttsFirstByteToFirstFrameMs` (those that happened).
   */
  readonly frameworkMs?: Readonly<Record<string, number>>;
  /** This turn's usage by provider key (tokens, characters). */
  readonly usage?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Each LLM and TTS request of the turn, in the order they started. */
  readonly requests?: readonly ProviderRequestTiming[];
  /**
   * When each stage happened (`performance.now()` ms, this process's monotonic clock):
   * `speechEnd`, `sttFinal`, `llmRequest`, `llmFirstToken`, `firstSentence`, `ttsRequest`,
   * `ttsFirstByte`, `firstFrame`, `heard` — those that happened. Traces are built from it.
   */
  readonly timeline?: Readonly<Record<string, number>>;
}

/** One LLM or TTS request of a turn, from its start to the end of its stream. */
export interface ProviderRequestTiming {
  /** An LLM request (one model round) or a TTS request (one sentence). */
  readonly kind: 'llm' | 'tts';
  /** The provider key. */
  readonly provider: string;
  /** When the request started (`performance.now()` ms). */
  readonly startedAt: number;
  /** When its first token (LLM: text or tool call) or audio byte (TTS) came. */
  readonly firstAt?: number;
  /** When its stream ended (or was cut). */
  readonly endedAt: number;
  /** `aborted`: cut by a barge-in or the call's end; `error`: the vendor failed. */
  readonly outcome: 'ok' | 'aborted' | 'error';
  /** The vendor's id of the request, when it gave one. */
  readonly requestId?: string;
  /** What it used: `inputTokens`, `outputTokens`, `cachedInputTokens` (LLM); `characters` (TTS). */
  readonly usage?: Readonly<Record<string, number>>;
}

export interface TranscriptEntry {
  readonly role: 'user' | 'assistant';
  readonly text: string;
  readonly at: number;
}

/** What `callEnd` reports. */
export interface CallEndSummary {
  readonly callId: string;
  readonly callRef: string;
  readonly reason: CallEndReason;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly transcript: readonly TranscriptEntry[];
  /** Usage by provider key (audio seconds, characters, tokens). */
  readonly usage: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Estimated cost in USD by provider key. */
  readonly cost: Readonly<Record<string, number>>;
  /** Why the call failed (reason `error`): the provider and its message, free of secrets. */
  readonly error?: CallFailure;
}

export interface CallSessionEvents extends Record<string, unknown> {
  callStart: CallInfo;
  /**
   * `isFinal: true` once per committed turn (what goes into the call's transcript); `false` for
   * live partial text (the caller's words as the STT hears them, the engine's streaming reply).
   */
  transcript: { readonly role: 'user' | 'assistant'; readonly text: string; readonly isFinal: boolean };
  metrics: TurnMetrics;
  toolCall: {
    readonly name: string;
    readonly arguments: unknown;
    readonly result?: unknown;
    readonly error?: string;
    /** How long the tool ran, ms. */
    readonly durationMs?: number;
  };
  callEnd: CallEndSummary;
  /** A caller turn was taken and the agent starts on its reply; `at` is when the turn began (`performance.now()`). */
  turnStart: { readonly turn: number; readonly at: number };
  /** The caller spoke over the agent; `heardShare` (0–1) of the reply sent so far had been played. */
  bargeIn: { readonly turn: number; readonly heardShare: number };
  /** A transfer or hang-up the agent asked for, once done; `startedAt` is `performance.now()`. */
  callAction: { readonly action: 'transfer' | 'hangup'; readonly startedAt: number; readonly error?: string };
  /**
   * The call's usage and estimated cost so far (running totals by provider key), as they grow:
   * the STT's audio when a caller turn is taken, each TTS request's characters, each LLM
   * response's and engine reply's tokens (one event per batch of changes, only while someone
   * listens). The cost counters follow a live call with it; the final totals are `callEnd`'s.
   */
  usage: { readonly usage: CallEndSummary['usage']; readonly cost: CallEndSummary['cost'] };
  /** A vendor named its request or session (Deepgram `request_id` …): for support tickets and traces. */
  vendorRequest: { readonly kind: 'stt' | 'llm' | 'tts' | 'engine'; readonly provider: string; readonly requestId: string };
}

/** One call in progress. Created by the server for every accepted media stream. */
export interface CallSession {
  readonly control: CallControl;
  on<K extends keyof CallSessionEvents>(event: K, listener: (payload: CallSessionEvents[K]) => void): () => void;
  /** Carrier webhooks about this call (AMD result, status). */
  handleCarrierEvent(event: CarrierCallEvent): void;
  /** The conversation so far as the model sees it: system prompt, then user, assistant and tool messages. */
  history(): readonly ChatMessage[];
  /** End the call (hang up) with a reason. Idempotent. */
  end(reason: CallEndReason): Promise<void>;
  /** Resolves once with the summary when the call has ended. */
  readonly ended: Promise<CallEndSummary>;
}
