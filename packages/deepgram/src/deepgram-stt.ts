import {
  ALAW_8K,
  ConfigError,
  MULAW_8K,
  PCM16_16K,
  PCM16_24K,
  PCM16_48K,
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
  type QueryValue,
  rejectUnknownOptions,
} from '@patter/core/plugin';
import { deepgramAdapter } from './deepgram-adapter.js';

export type DeepgramModel =
  | 'nova-3'
  | 'nova-3-general'
  | 'nova-3-medical'
  | 'nova-2'
  | 'nova-2-general'
  | 'nova-2-phonecall'
  | 'nova-2-conversationalai'
  | (string & {});

export interface DeepgramSTTOptions {
  /** Default: the `DEEPGRAM_API_KEY` environment variable. */
  readonly apiKey?: string;
  readonly model?: DeepgramModel;
  /** BCP-47 code, or `multi` (Nova-3 code-switching). */
  readonly language?: string;
  /** Silence (ms) that ends speech (`speech_final`); `false` disables endpointing. */
  readonly endpointingMs?: number | false;
  /** Word-gap fallback for the end of an utterance; at least 1000 (Deepgram rejects less). */
  readonly utteranceEndMs?: number;
  readonly interimResults?: boolean;
  /** Emit `SpeechStarted` events. */
  readonly vadEvents?: boolean;
  readonly smartFormat?: boolean;
  readonly punctuate?: boolean;
  /** Finalize at once instead of waiting on smart-format entities. Sent only when set. */
  readonly noDelay?: boolean;
  /** Nova-3 key terms to boost (one `keyterm` parameter each). */
  readonly keyterms?: readonly string[];
  readonly diarize?: boolean;
  /** Keep "uh"/"um". Sent only when set. */
  readonly fillerWords?: boolean;
  /** KeepAlive cadence while no audio flows. */
  readonly keepAliveIntervalMs?: number;
  /** `wss://api.deepgram.com`, a regional host (`wss://api.eu.deepgram.com`), a proxy or a fake. */
  readonly baseUrl?: string;
  /** Formats offered to the call session, best first (pin one to skip negotiation). */
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
    apiKey: true, model: true, language: true, endpointingMs: true, utteranceEndMs: true,
    interimResults: true, vadEvents: true, smartFormat: true, punctuate: true, noDelay: true,
    keyterms: true, diarize: true, fillerWords: true, keepAliveIntervalMs: true, baseUrl: true,
    inputFormats: true, logger: true, inactivityTimeoutMs: true,
  } satisfies Record<keyof DeepgramSTTOptions, true>),
);

export const DEFAULTS = {
  model: 'nova-3',
  language: 'en',
  endpointingMs: 150,
  utteranceEndMs: 1000,
  interimResults: true,
  vadEvents: true,
  smartFormat: false,
  keepAliveIntervalMs: 4000,
  baseUrl: 'wss://api.deepgram.com',
  inputFormats: [PCM16_16K, MULAW_8K, ALAW_8K, PCM16_8K, PCM16_24K, PCM16_48K],
} as const;

const ENCODINGS = { pcm16: 'linear16', mulaw: 'mulaw', alaw: 'alaw' } as const;

/**
 * Deepgram live speech-to-text (`/v1/listen`, Nova models). One object serves every call;
 * each call opens its own socket.
 *
 * @example
 * import * as deepgram from '@patter/deepgram';
 * phone.agent({ stt: deepgram.STT({ model: 'nova-3' }), llm, tts });
 */
export class DeepgramSTT implements STTProvider {
  readonly key = 'deepgram';
  /** The model requests use (labels metrics and traces). */
  readonly model: string;
  readonly inputFormats: readonly AudioFormat[];
  private readonly apiKey: string;
  private readonly baseUrl: string;
  private readonly options: DeepgramSTTOptions;

  constructor(options: DeepgramSTTOptions = {}) {
    rejectUnknownOptions(options, OPTION_NAMES, 'Deepgram option');
    this.apiKey = resolveApiKey(options.apiKey, 'DEEPGRAM_API_KEY');
    this.model = options.model ?? DEFAULTS.model;
    this.baseUrl = toWebSocketUrl(normalizeBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl));
    const utteranceEndMs = options.utteranceEndMs ?? DEFAULTS.utteranceEndMs;
    if (!Number.isInteger(utteranceEndMs) || utteranceEndMs < 1000) {
      throw new ConfigError('utteranceEndMs', `must be an integer of at least 1000 (Deepgram rejects less), got ${utteranceEndMs}`);
    }
    const endpointing = options.endpointingMs ?? DEFAULTS.endpointingMs;
    if (endpointing !== false && (!Number.isInteger(endpointing) || endpointing < 0)) {
      throw new ConfigError('endpointingMs', `must be a non-negative integer or false, got ${endpointing}`);
    }
    const interval = options.keepAliveIntervalMs ?? DEFAULTS.keepAliveIntervalMs;
    if (!(interval >= 500 && interval <= 9000)) {
      throw new ConfigError('keepAliveIntervalMs', `must be between 500 and 9000 (Deepgram closes after ~10 s idle), got ${interval}`);
    }
    this.inputFormats = options.inputFormats ?? DEFAULTS.inputFormats;
    for (const format of this.inputFormats) encodingOf(format);
    this.options = options;
  }

  /** Pinned to Twilio's μ-law 8 kHz: carrier audio goes to Deepgram untouched. */
  static forTwilio(options: DeepgramSTTOptions = {}): DeepgramSTT {
    return new DeepgramSTT({ ...options, inputFormats: [MULAW_8K] });
  }

  /** Pinned to μ-law 8 kHz, Telnyx's default (pass `inputFormats: [ALAW_8K]` for PCMA). */
  static forTelnyx(options: DeepgramSTTOptions = {}): DeepgramSTT {
    return new DeepgramSTT({ ...options, inputFormats: [MULAW_8K] });
  }

  /** The `/v1/listen` URL for a stream in `format`. */
  url(format: AudioFormat): string {
    const o = this.options;
    const interim = o.interimResults ?? DEFAULTS.interimResults;
    const query: Record<string, QueryValue> = {
      model: o.model ?? DEFAULTS.model,
      language: o.language ?? DEFAULTS.language,
      encoding: encodingOf(format),
      sample_rate: format.sampleRate,
      channels: 1,
      interim_results: interim,
      endpointing: o.endpointingMs ?? DEFAULTS.endpointingMs,
      // UtteranceEnd needs interim results; Deepgram rejects the parameter without them.
      utterance_end_ms: interim ? (o.utteranceEndMs ?? DEFAULTS.utteranceEndMs) : undefined,
      vad_events: o.vadEvents ?? DEFAULTS.vadEvents,
      smart_format: o.smartFormat ?? DEFAULTS.smartFormat,
      punctuate: o.punctuate,
      no_delay: o.noDelay,
      filler_words: o.fillerWords,
      diarize: o.diarize,
      keyterm: o.keyterms && o.keyterms.length > 0 ? o.keyterms : undefined,
    };
    return joinUrl(this.baseUrl, '/v1/listen', query);
  }

  stream(options: STTStreamOptions): STTStream {
    const logger = options.logger ?? this.options.logger;
    return createWebSocketSTTStream(this.adapter(options.format), {
      ...options,
      ...(logger ? { logger } : {}),
      ...(this.options.inactivityTimeoutMs === undefined ? {} : { inactivityTimeoutMs: this.options.inactivityTimeoutMs }),
    });
  }

  /** Opens and closes one connection so DNS/TLS are warm. Never throws. */
  async warmup(): Promise<void> {
    const format = this.inputFormats[0] ?? PCM16_16K;
    await warmUpWebSocket(this.adapter(format), this.options.logger ? { logger: this.options.logger } : {});
  }

  private adapter(format: AudioFormat) {
    return deepgramAdapter({
      url: this.url(format),
      apiKey: this.apiKey,
      keepAliveIntervalMs: this.options.keepAliveIntervalMs ?? DEFAULTS.keepAliveIntervalMs,
      finalizeTimeoutMs: 1500,
    });
  }
}

function encodingOf(format: AudioFormat): string {
  const encoding = ENCODINGS[format.encoding];
  if (!encoding || format.channels !== 1) throw new ConfigError('format', `Deepgram cannot take ${describeFormat(format)}`);
  return encoding;
}
