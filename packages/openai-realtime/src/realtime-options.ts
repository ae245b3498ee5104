import { ConfigError } from '@patter/core';
import { normalizeBaseUrl, resolveApiKey } from '@patter/core/plugin';

/** The Realtime API's built-in voices (GA `audio.output.voice`; marin and cedar recommended). */
export const REALTIME_VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar'] as const;

/** Same list as `REALTIME_VOICES` (both classes speak the GA protocol); kept for compatibility. */
export const REALTIME_2_VOICES = REALTIME_VOICES;

export type RealtimeVoice = (typeof REALTIME_2_VOICES)[number];

export const REASONING_EFFORTS = ['minimal', 'low', 'medium', 'high', 'xhigh'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

export type RealtimeModel =
  | 'gpt-realtime-mini'
  | 'gpt-realtime'
  | 'gpt-realtime-2'
  | 'gpt-realtime-2.1'
  | 'gpt-realtime-2.1-mini'
  | (string & {});

export interface OpenAIRealtimeOptions {
  /** Default: the `OPENAI_API_KEY` environment variable. */
  readonly apiKey?: string;
  readonly voice?: RealtimeVoice;
  readonly model?: RealtimeModel;
  /** Reasoning effort; only reasoning models (`gpt-realtime-2*`) take it. Left out of the wire when unset. */
  readonly reasoningEffort?: ReasoningEffort;
  /** Model that transcribes the caller (for `transcript` events). Default `whisper-1`. */
  readonly inputAudioTranscriptionModel?: string;
  /** REST base URL; the socket is `<baseUrl as ws(s)>/realtime`. Default `https://api.openai.com/v1`. */
  readonly baseUrl?: string;
  /** Server VAD silence before the model answers, in ms. Default 500. */
  readonly silenceDurationMs?: number;
  /** Handshake timeout in ms. Default 10 000. */
  readonly connectTimeoutMs?: number;
  /**
   * Caller audio per `input_audio_buffer.append`, 20–1000 ms: carrier frames are batched into one
   * event (LiveKit sends 100 ms; five times fewer socket writes than one per 20 ms frame). The
   * server's VAD, which detects barge-in, hears a frame up to this much later (40 ms on average at
   * 100). Default 100; 20 sends each Twilio frame.
   */
  readonly inputChunkMs?: number;
}

/** Options after defaults and validation. */
export interface ResolvedRealtimeOptions {
  readonly apiKey: string;
  readonly voice: RealtimeVoice;
  readonly model: string;
  readonly reasoningEffort: ReasoningEffort | undefined;
  readonly inputAudioTranscriptionModel: string;
  readonly baseUrl: string;
  readonly silenceDurationMs: number;
  readonly connectTimeoutMs: number;
  readonly inputChunkMs: number;
}

export const DEFAULTS = {
  voice: 'alloy',
  inputAudioTranscriptionModel: 'whisper-1',
  baseUrl: 'https://api.openai.com/v1',
  silenceDurationMs: 500,
  connectTimeoutMs: 10_000,
  inputChunkMs: 100,
} as const;

export function resolveRealtimeOptions(
  options: OpenAIRealtimeOptions,
  defaults: { readonly model: string; readonly voices: readonly string[] },
): ResolvedRealtimeOptions {
  const voice = options.voice ?? DEFAULTS.voice;
  if (!defaults.voices.includes(voice)) {
    throw new ConfigError('voice', `unknown voice "${voice}"; use one of ${defaults.voices.join(', ')}`);
  }
  if (options.reasoningEffort !== undefined && !REASONING_EFFORTS.includes(options.reasoningEffort)) {
    throw new ConfigError(
      'reasoningEffort',
      `must be one of ${REASONING_EFFORTS.join(', ')}, got ${JSON.stringify(options.reasoningEffort)}`,
    );
  }
  const model = options.model ?? defaults.model;
  if (typeof model !== 'string' || model.trim() === '') throw new ConfigError('model', 'must be a non-empty model id');
  if (options.reasoningEffort !== undefined && !isReasoningModel(model)) {
    throw new ConfigError('reasoningEffort', `only reasoning Realtime models (gpt-realtime-2*) take it, not ${model}`);
  }
  const silence = options.silenceDurationMs ?? DEFAULTS.silenceDurationMs;
  if (!Number.isFinite(silence) || silence < 0) throw new ConfigError('silenceDurationMs', 'must be a number ≥ 0');
  const inputChunkMs = options.inputChunkMs ?? DEFAULTS.inputChunkMs;
  if (!(inputChunkMs >= 20 && inputChunkMs <= 1000)) throw new ConfigError('inputChunkMs', `must be between 20 and 1000, got ${inputChunkMs}`);
  return {
    apiKey: resolveApiKey(options.apiKey, 'OPENAI_API_KEY'),
    voice,
    model,
    reasoningEffort: options.reasoningEffort,
    inputAudioTranscriptionModel: options.inputAudioTranscriptionModel ?? DEFAULTS.inputAudioTranscriptionModel,
    baseUrl: normalizeBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl),
    silenceDurationMs: silence,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    inputChunkMs,
  };
}

/** Reasoning Realtime models: only these take `reasoning` (and `parallel_tool_calls`). */
export function isReasoningModel(model: string): boolean {
  return model.startsWith('gpt-realtime-2');
}
