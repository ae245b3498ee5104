import {
  ALAW_8K,
  ConfigError,
  MULAW_8K,
  PCM16_16K,
  PCM16_8K,
  createConsoleLogger,
  type AudioFormat,
  type Logger,
  type TTSProvider,
  type TTSSynthesizeOptions,
} from '@patter/core';
import {
  joinUrl,
  normalizeBaseUrl,
  resolveApiKey,
  resolveOutputFormat,
  streamHttpTTS,
  warmUpHttp,
} from '@patter/core/plugin';

export type CartesiaTTSModel = 'sonic-3' | 'sonic-3.5' | 'sonic-latest' | 'sonic-2' | 'sonic-turbo' | (string & {});

export interface CartesiaTTSOptions {
  /** Cartesia API key. Default: `CARTESIA_API_KEY`. */
  readonly apiKey?: string;
  readonly model?: CartesiaTTSModel;
  /** Voice id (a UUID from the Cartesia voice library or a clone). */
  readonly voice?: string;
  /** `en`, `es`, `fr`, `de`, `pt`, `zh`, `ja` … */
  readonly language?: string;
  /**
   * 8000 or 16000. Unset, the call session picks μ-law/A-law 8 kHz on carriers that speak it and
   * 16-bit PCM 16 kHz otherwise; 8000 allows 16-bit PCM, μ-law or A-law at 8 kHz; 16000 pins PCM 16 kHz.
   */
  readonly sampleRate?: 8000 | 16000;
  /** 0.6–1.5 (`generation_config.speed`, sonic-3 and later). */
  readonly speed?: number;
  /** `Cartesia-Version` header. Default `2026-03-01`. */
  readonly apiVersion?: string;
  /** Default `https://api.cartesia.ai`. */
  readonly baseUrl?: string;
  /** Retries of a 429/5xx before the first audio byte. Default 2. */
  readonly maxRetries?: number;
  readonly logger?: Logger;
}

export const DEFAULTS = {
  model: 'sonic-3',
  voice: 'f786b574-daa5-4673-aa0c-cbe3e8534c02',
  language: 'en',
  sampleRate: 16000,
  apiVersion: '2026-03-01',
  baseUrl: 'https://api.cartesia.ai',
  maxRetries: 2,
} as const;

const KEY = 'cartesia_tts';
const ENV = 'CARTESIA_API_KEY';
const ENCODINGS = { pcm16: 'pcm_s16le', mulaw: 'pcm_mulaw', alaw: 'pcm_alaw' } as const;

/**
 * Cartesia Sonic text-to-speech over HTTP streaming (`POST /tts/bytes`, raw container).
 *
 * The WebSocket API (context continuation) is not used: its gain is the vendor's per-request
 * setup, which a loopback fake cannot show and this repo cannot reach to measure; the session
 * already sends the first speakable clause as soon as it is ready, over a pooled connection.
 *
 * @example
 * ```ts
 * import * as cartesia from '@patter/cartesia';
 * phone.agent({ stt, llm, tts: cartesia.TTS({ speed: 1.1 }) });
 * ```
 */
export class CartesiaTTS implements TTSProvider {
  readonly key = KEY;
  /** The model requests use (labels metrics and traces). */
  readonly model: string;
  readonly outputFormats: readonly AudioFormat[];
  private readonly apiKey: string;
  private readonly baseUrl: string;
  private readonly url: string;
  private readonly logger: Logger;
  private readonly fields: Record<string, unknown>;
  private readonly apiVersion: string;
  private readonly maxRetries: number;

  constructor(options: CartesiaTTSOptions = {}) {
    this.apiKey = resolveApiKey(options.apiKey, ENV);
    this.model = options.model ?? DEFAULTS.model;
    this.baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl);
    this.url = joinUrl(this.baseUrl, '/tts/bytes');
    this.logger = options.logger ?? createConsoleLogger();
    const { sampleRate, speed } = options;
    if (sampleRate !== undefined && sampleRate !== 8000 && sampleRate !== 16000) {
      throw new ConfigError('sampleRate', `must be 8000 or 16000, got ${String(sampleRate)}`);
    }
    if (speed !== undefined && !(speed >= 0.6 && speed <= 1.5)) {
      throw new ConfigError('speed', `must be 0.6–1.5, got ${String(speed)}`);
    }
    const model = options.model ?? DEFAULTS.model;
    if (speed !== undefined && /^sonic(-2|-turbo)?($|-20\d\d)/.test(model)) {
      this.logger.warn({ provider: KEY, model }, 'cartesia speed has no effect before sonic-3');
    }
    if (options.maxRetries !== undefined && !(Number.isInteger(options.maxRetries) && options.maxRetries >= 0)) {
      throw new ConfigError('maxRetries', 'must be a non-negative integer');
    }
    this.maxRetries = options.maxRetries ?? DEFAULTS.maxRetries;
    this.apiVersion = options.apiVersion ?? DEFAULTS.apiVersion;
    this.fields = {
      model_id: model,
      voice: { mode: 'id', id: options.voice ?? DEFAULTS.voice },
      language: options.language ?? DEFAULTS.language,
      ...(speed === undefined ? {} : { generation_config: { speed } }),
    };
    this.outputFormats =
      sampleRate === undefined
        ? [PCM16_16K, MULAW_8K, ALAW_8K, PCM16_8K]
        : sampleRate === 8000
          ? [PCM16_8K, MULAW_8K, ALAW_8K]
          : [PCM16_16K];
  }

  /** 8 kHz: μ-law on Twilio (no conversion), 16-bit PCM elsewhere. */
  static forTwilio(options: Omit<CartesiaTTSOptions, 'sampleRate'> = {}): CartesiaTTS {
    return new CartesiaTTS({ ...options, sampleRate: 8000 });
  }

  /**
   * 8 kHz, what a Telnyx stream plays (PCMU or PCMA 8 kHz): the session asks for the call's codec
   * (μ-law or A-law), so the audio goes out untouched, with no resampling.
   */
  static forTelnyx(options: Omit<CartesiaTTSOptions, 'sampleRate'> = {}): CartesiaTTS {
    return new CartesiaTTS({ ...options, sampleRate: 8000 });
  }

  async *synthesize(text: string, options: TTSSynthesizeOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    const format = resolveOutputFormat(KEY, this.outputFormats, options.format);
    if (text.trim() === '') return;
    yield* streamHttpTTS({
      ...options, // signal, callId, onUsage: the caller's synthesis options
      provider: KEY,
      url: this.url,
      headers: { authorization: `Bearer ${this.apiKey}`, 'cartesia-version': this.apiVersion },
      body: {
        ...this.fields,
        transcript: text,
        output_format: { container: 'raw', encoding: ENCODINGS[format.encoding], sample_rate: format.sampleRate },
      },
      format,
      characters: text.length,
      apiKeyEnv: ENV,
      retries: this.maxRetries,
      logger: options.logger ?? this.logger,
    });
  }

  /** Opens a pooled connection to Cartesia (DNS, TCP, TLS). Never throws. */
  async warmup(): Promise<void> {
    await warmUpHttp(this.baseUrl, { provider: KEY, logger: this.logger });
  }
}
