import { ConfigError, type AudioFormat, type Logger } from '@patter/core';
import { DEFAULT_TTS_IDLE_TIMEOUT_MS, normalizeBaseUrl, resolveApiKey } from '@patter/core/plugin';
import { ELEVENLABS_OUTPUT_FORMATS, parseElevenLabsFormat, type ElevenLabsOutputFormat } from './elevenlabs-format.js';

export type ElevenLabsModel =
  | 'eleven_flash_v2_5'
  | 'eleven_turbo_v2_5'
  | 'eleven_multilingual_v2'
  | 'eleven_flash_v2'
  | 'eleven_turbo_v2'
  | 'eleven_v3'
  | (string & {});

export interface VoiceSettings {
  readonly stability?: number;
  readonly similarityBoost?: number;
  readonly style?: number;
  readonly useSpeakerBoost?: boolean;
  /** 0.7–1.2. */
  readonly speed?: number;
}

/** Options shared by the WebSocket and REST text-to-speech classes. */
export interface ElevenLabsTTSOptions {
  /** Default: the `ELEVENLABS_API_KEY` environment variable. */
  readonly apiKey?: string;
  readonly voiceId?: string;
  readonly model?: ElevenLabsModel;
  /**
   * Pins the output format. Unset, the call session asks for the carrier's own format
   * (`ulaw_8000` on Twilio, `pcm_16000` on a 16 kHz Telnyx stream): no transcoding.
   */
  readonly outputFormat?: ElevenLabsOutputFormat;
  /** ISO 639-1 code, for the models that take it (Flash/Turbo v2.5). */
  readonly languageCode?: string;
  readonly voiceSettings?: VoiceSettings;
  /** Default `https://api.elevenlabs.io` (the socket uses its ws(s) form). */
  readonly baseUrl?: string;
  /**
   * The longest silence of the vendor's audio stream (before the first chunk and between two):
   * then the request is aborted with `StreamIdleTimeoutError`. Default 5 s; 0 disables.
   */
  readonly idleTimeoutMs?: number;
  readonly logger?: Logger;
}

export const DEFAULTS = {
  voiceId: 'EXAVITQu4vr4xnSDxMaL',
  model: 'eleven_flash_v2_5',
  baseUrl: 'https://api.elevenlabs.io',
} as const;

export const ENV = 'ELEVENLABS_API_KEY';

export interface ResolvedTTSOptions {
  readonly apiKey: string;
  readonly voiceId: string;
  readonly model: string;
  readonly baseUrl: string;
  readonly outputFormats: readonly AudioFormat[];
  readonly languageCode: string | undefined;
  readonly voiceSettings: Record<string, number | boolean> | undefined;
  readonly idleTimeoutMs: number;
}

export function resolveTTSOptions(options: ElevenLabsTTSOptions): ResolvedTTSOptions {
  const voiceId = options.voiceId ?? DEFAULTS.voiceId;
  if (typeof voiceId !== 'string' || voiceId.trim() === '') throw new ConfigError('voiceId', 'must be a non-empty voice id');
  const speed = options.voiceSettings?.speed;
  if (speed !== undefined && !(speed >= 0.7 && speed <= 1.2)) {
    throw new ConfigError('voiceSettings.speed', `must be between 0.7 and 1.2, got ${speed}`);
  }
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_TTS_IDLE_TIMEOUT_MS;
  if (!(idleTimeoutMs >= 0)) throw new ConfigError('idleTimeoutMs', `must be zero (off) or a positive number of ms, got ${idleTimeoutMs}`);
  return {
    idleTimeoutMs,
    apiKey: resolveApiKey(options.apiKey, ENV),
    voiceId,
    model: options.model ?? DEFAULTS.model,
    baseUrl: normalizeBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl),
    outputFormats: options.outputFormat ? [parseElevenLabsFormat(options.outputFormat)] : ELEVENLABS_OUTPUT_FORMATS,
    languageCode: options.languageCode,
    voiceSettings: wireVoiceSettings(options.voiceSettings),
  };
}

/** Voice settings in the vendor's snake_case, or undefined when none were given. */
function wireVoiceSettings(settings: VoiceSettings | undefined): Record<string, number | boolean> | undefined {
  if (!settings) return undefined;
  const wire: Record<string, number | boolean> = {};
  if (settings.stability !== undefined) wire.stability = settings.stability;
  if (settings.similarityBoost !== undefined) wire.similarity_boost = settings.similarityBoost;
  if (settings.style !== undefined) wire.style = settings.style;
  if (settings.useSpeakerBoost !== undefined) wire.use_speaker_boost = settings.useSpeakerBoost;
  if (settings.speed !== undefined) wire.speed = settings.speed;
  return Object.keys(wire).length > 0 ? wire : undefined;
}
