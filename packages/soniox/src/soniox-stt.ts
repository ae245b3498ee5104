import {
  ALAW_8K,
  ConfigError,
  MULAW_8K,
  PCM16_16K,
  PCM16_8K,
  type AudioFormat,
  type Logger,
  type STTProvider,
  type STTStream,
  type STTStreamOptions,
} from '@patter/core';
import {
  createWebSocketSTTStream,
  describeFormat,
  joinUrl,
  normalizeBaseUrl,
  resolveApiKey,
  toWebSocketUrl,
  warmUpWebSocket,
  rejectUnknownOptions,
} from '@patter/core/plugin';
import { sonioxAdapter } from './soniox-adapter.js';

export type SonioxModel = 'stt-rt-v4' | 'stt-rt-v5' | 'stt-rt-v3' | (string & {});

export interface SonioxSTTOptions {
  /** Default: the `SONIOX_API_KEY` environment variable. */
  readonly apiKey?: string;
  readonly model?: SonioxModel;
  /** ISO codes the audio is expected in, e.g. `['en', 'es']`. */
  readonly languageHints?: readonly string[];
  /** Bias strongly to `languageHints`. */
  readonly languageHintsStrict?: boolean;
  /** Tag each token with its language. */
  readonly languageIdentification?: boolean;
  /** Tag each token with a speaker. */
  readonly diarization?: boolean;
  /** Emit `<end>` endpoints (needed for turn-taking). */
  readonly endpointDetection?: boolean;
  /** 500–3000 ms. */
  readonly maxEndpointDelayMs?: number;
  /** Domain terms and text that help recognition (Soniox `context`). */
  readonly context?: { readonly terms?: readonly string[]; readonly text?: string };
  /** Keepalive cadence while no audio flows (Soniox closes after 20 s idle). */
  readonly keepAliveIntervalMs?: number;
  /** Also send the key inside the config message (deprecated by Soniox; refused after 2027-01-15). */
  readonly keyInConfig?: boolean;
  /** `wss://stt-rt.soniox.com`, `wss://stt-rt.eu.soniox.com`, a proxy or a fake. */
  readonly baseUrl?: string;
  readonly inputFormats?: readonly AudioFormat[];
  readonly logger?: Logger;
  /**
   * A socket that sends nothing for this long while audio flows to it is dropped with a warning
   * naming the provider and reconnected, replaying the unanswered audio. Default 15 000; 0 = off.
   */
  readonly inactivityTimeoutMs?: number;
}

/** Every option name, for the unknown-option check (`satisfies` keeps the list complete). */
const OPTION_NAMES: ReadonlySet<string> = new Set(
  Object.keys({
    apiKey: true, model: true, languageHints: true, languageHintsStrict: true,
    languageIdentification: true, diarization: true, endpointDetection: true,
    maxEndpointDelayMs: true, context: true, keepAliveIntervalMs: true, keyInConfig: true,
    baseUrl: true, inputFormats: true, logger: true, inactivityTimeoutMs: true,
  } satisfies Record<keyof SonioxSTTOptions, true>),
);

export const DEFAULTS = {
  model: 'stt-rt-v4',
  languageIdentification: true,
  diarization: false,
  endpointDetection: true,
  maxEndpointDelayMs: 500,
  keepAliveIntervalMs: 5000,
  keyInConfig: true,
  baseUrl: 'wss://stt-rt.soniox.com',
  inputFormats: [PCM16_16K, MULAW_8K, ALAW_8K, PCM16_8K],
} as const;

const ENCODINGS = { pcm16: 'pcm_s16le', mulaw: 'mulaw', alaw: 'alaw' } as const;

/**
 * Soniox real-time speech-to-text. Tokens stream in; final tokens are accumulated and emitted
 * as one final transcript at each endpoint (`<end>`) or finalize answer (`<fin>`).
 *
 * @example
 * import * as soniox from '@patter/soniox';
 * phone.agent({ stt: soniox.STT({ languageHints: ['en', 'es'] }), llm, tts });
 */
export class SonioxSTT implements STTProvider {
  readonly key = 'soniox';
  /** The model requests use (labels metrics and traces). */
  readonly model: string;
  readonly inputFormats: readonly AudioFormat[];
  private readonly apiKey: string;
  private readonly url: string;

  constructor(private readonly options: SonioxSTTOptions = {}) {
    rejectUnknownOptions(options, OPTION_NAMES, 'Soniox option');
    this.apiKey = resolveApiKey(options.apiKey, 'SONIOX_API_KEY');
    this.model = options.model ?? DEFAULTS.model;
    this.url = joinUrl(toWebSocketUrl(normalizeBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl)), '/transcribe-websocket');
    const delay = options.maxEndpointDelayMs ?? DEFAULTS.maxEndpointDelayMs;
    if (!(Number.isInteger(delay) && delay >= 500 && delay <= 3000)) {
      throw new ConfigError('maxEndpointDelayMs', `must be an integer between 500 and 3000, got ${delay}`);
    }
    const keepAlive = options.keepAliveIntervalMs ?? DEFAULTS.keepAliveIntervalMs;
    if (!(keepAlive >= 1000 && keepAlive <= 15_000)) {
      throw new ConfigError('keepAliveIntervalMs', `must be between 1000 and 15000 (Soniox closes after 20 s idle), got ${keepAlive}`);
    }
    if (options.languageHintsStrict && !options.languageHints?.length) {
      throw new ConfigError('languageHintsStrict', 'needs languageHints');
    }
    this.inputFormats = options.inputFormats ?? DEFAULTS.inputFormats;
    for (const format of this.inputFormats) encodingOf(format);
  }

  /** Pinned to Twilio's μ-law 8 kHz: carrier audio goes through untouched. */
  static forTwilio(options: SonioxSTTOptions = {}): SonioxSTT {
    return new SonioxSTT({ ...options, inputFormats: [MULAW_8K] });
  }

  /** The session config sent as the first message (without the key). */
  config(format: AudioFormat, clientReferenceId?: string): Record<string, unknown> {
    const o = this.options;
    return {
      model: o.model ?? DEFAULTS.model,
      audio_format: encodingOf(format),
      sample_rate: format.sampleRate,
      num_channels: 1,
      ...(o.languageHints?.length ? { language_hints: [...o.languageHints] } : {}),
      ...(o.languageHintsStrict !== undefined ? { language_hints_strict: o.languageHintsStrict } : {}),
      enable_language_identification: o.languageIdentification ?? DEFAULTS.languageIdentification,
      enable_speaker_diarization: o.diarization ?? DEFAULTS.diarization,
      enable_endpoint_detection: o.endpointDetection ?? DEFAULTS.endpointDetection,
      max_endpoint_delay_ms: o.maxEndpointDelayMs ?? DEFAULTS.maxEndpointDelayMs,
      ...(o.context ? { context: { ...o.context, ...(o.context.terms ? { terms: [...o.context.terms] } : {}) } } : {}),
      ...(clientReferenceId ? { client_reference_id: clientReferenceId.slice(0, 256) } : {}),
    };
  }

  stream(options: STTStreamOptions): STTStream {
    const logger = options.logger ?? this.options.logger;
    return createWebSocketSTTStream(this.adapter(options.format, options.callId), {
      ...options,
      ...(logger ? { logger } : {}),
      ...(this.options.inactivityTimeoutMs === undefined ? {} : { inactivityTimeoutMs: this.options.inactivityTimeoutMs }),
    });
  }

  /** Opens and closes one connection so DNS/TLS are warm. Never throws. */
  async warmup(): Promise<void> {
    const adapter = this.adapter(this.inputFormats[0] ?? PCM16_16K);
    await warmUpWebSocket(adapter, this.options.logger ? { logger: this.options.logger } : {});
  }

  private adapter(format: AudioFormat, callId?: string) {
    return sonioxAdapter({
      url: this.url,
      apiKey: this.apiKey,
      config: this.config(format, callId),
      keyInConfig: this.options.keyInConfig ?? DEFAULTS.keyInConfig,
      keepAliveIntervalMs: this.options.keepAliveIntervalMs ?? DEFAULTS.keepAliveIntervalMs,
    });
  }
}

function encodingOf(format: AudioFormat): string {
  const encoding = ENCODINGS[format.encoding];
  if (!encoding) throw new ConfigError('format', `Soniox cannot take ${describeFormat(format)}`);
  return encoding;
}
