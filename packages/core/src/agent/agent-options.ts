import type { CallControl } from '../call/call-control.js';
import type { Engine } from '../engine/engine.js';
import type { ChatMessage } from '../llm/chat-message.js';
import type { LLMProvider } from '../llm/llm-provider.js';
import type { HoldAudioOptions } from '../session/speech/hold-audio-options.js';
import type { OutputGuardrail } from '../session/reply/output-guardrail.js';
import type { PricingTable } from '../registry/provider-price.js';
import type { HallucinationFilterOptions } from '../stt/hallucination-filter.js';
import type { STTProvider } from '../stt/stt-provider.js';
import type { Tool } from '../tools/tool.js';
import type { TTSProvider } from '../tts/tts-provider.js';
import type { VADProvider } from '../vad/vad-provider.js';

/** What `onMessage` receives: the user's turn and the call. */
export interface MessageContext {
  /** The user's words (a final transcript, typed text, or DTMF digits). */
  readonly text: string;
  /** `speech`, `dtmf` or `text` (test mode / dev phone text mode). */
  readonly source: 'speech' | 'dtmf' | 'text';
  readonly history: readonly ChatMessage[];
  readonly call: CallControl;
  readonly variables: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  /**
   * Runs one of the agent's tools (yours, or the built-in `transfer_call` / `end_call`) with
   * validated arguments, as the LLM would; the call shows up in `toolCall` events. Resolves with
   * the tool's result; rejects with the validation or tool error.
   */
  readonly runTool: (name: string, args: Record<string, unknown>) => Promise<unknown>;
}

/** Replaces the LLM: return the reply, or stream it. */
export type MessageHandler = (context: MessageContext) => string | AsyncIterable<string> | Promise<string | AsyncIterable<string>>;

/**
 * An agent's configuration: engine mode (`engine`) or pipeline mode (`stt` + `llm`|`onMessage`
 * + `tts`). Validated by `Patter.agent()`; the call session reads it.
 */
export interface AgentOptions {
  /** A name for dashboards and traces (`patter.agent.name` on the call's span). */
  readonly name?: string;
  readonly engine?: Engine;
  readonly stt?: STTProvider;
  readonly llm?: LLMProvider;
  readonly tts?: TTSProvider;
  /** Replaces the LLM: a function, or the URL of a remote agent (HTTP POST or ws(s)). */
  readonly onMessage?: MessageHandler | string;
  /** Instructions; `{name}` is replaced from `variables`. */
  readonly systemPrompt?: string;
  /** Spoken verbatim when the call connects; `{name}` substituted. */
  readonly firstMessage?: string;
  /** Spoken when an outbound call reaches voicemail, after the greeting ends. */
  readonly voicemailMessage?: string;
  readonly variables?: Readonly<Record<string, string>>;
  readonly tools?: readonly Tool[];
  /** Let the caller interrupt the agent. Default true. */
  readonly allowInterruptions?: boolean;
  /** Speech shorter than this (ms of interim speech, or characters of interim text) does not interrupt. */
  readonly interruptionMinMs?: number;
  /** Transfer targets allowed: exact numbers or prefixes ending in `*`. Empty → transfers refused. */
  readonly transferAllowlist?: readonly string[];
  /** Hang up after this long. Default 1 h. */
  readonly maxCallDurationMs?: number;
  /**
   * What ends the caller's turn: `stt` — the STT's end-of-speech signal (`speechFinal`,
   * `UtteranceEnd`, the vendor's end of turn); `vad` — the session's own voice-activity detector
   * after `endpointingMs` of silence (then the STT is finalized). Default `stt`, or `vad` for an
   * STT without endpointing of its own (`endpointing: false`, e.g. Whisper).
   */
  readonly turnDetection?: 'stt' | 'vad';
  /** Silence that ends the caller's turn with `turnDetection: 'vad'`. Default 700 ms. */
  readonly endpointingMs?: number;
  /**
   * The voice-activity detector for barge-in and `turnDetection: 'vad'` (one per call). Default: the
   * energy detector (no dependency); `vad: silero.VAD()` (`@patter/silero`) tells speech from noise.
   */
  readonly vad?: VADProvider;
  /** The caller cannot interrupt during this long after the agent starts speaking. Default 300 ms. */
  readonly interruptionGraceMs?: number;
  /** Output filters run on each sentence before TTS: block (`null`) or rewrite it. */
  readonly guardrails?: readonly OutputGuardrail[];
  /** Drop the transcripts STT models invent on silence. Default true. */
  readonly hallucinationFilter?: boolean | HallucinationFilterOptions;
  /** Price overrides by provider key (merged over the prices the plugins register), for the `callEnd` cost. */
  readonly pricing?: PricingTable;
  /**
   * A sound while a tool runs longer than `afterMs` (default 1500 ms), until the reply starts:
   * `true` for the built-in soft tone, or `{ afterMs, sound: 'tone' | 'filler' | clip, fillerText }`.
   * Default off.
   */
  readonly holdAudio?: boolean | HoldAudioOptions;
}
