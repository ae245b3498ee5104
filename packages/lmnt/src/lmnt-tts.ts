import {
  ConfigError,
  MULAW_8K,
  PCM16_16K,
  PCM16_24K,
  PCM16_8K,
  audioFormat,
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

export type LmntModel = 'blizzard' | (string & {});
/** `raw` is the pre-1.1 name, accepted as a deprecated alias of `pcm_s16le`. */
export type LmntFormat = 'pcm_s16le' | 'ulaw' | 'raw';
export type LmntSampleRate = 8000 | 16000 | 24000;

export interface LmntTTSOptions {
  /** LMNT API key. Default: `LMNT_API_KEY`. */
  readonly apiKey?: string;
  /** Voice id (`leah`, `ava`, `morgan`, or a cloned voice). */
  readonly voice?: string;
  readonly model?: LmntModel;
  /**
   * Pins the output: `pcm_s16le` (16-bit PCM) or `ulaw` (G.711 μ-law, 8 kHz). Unset, the call
   * session picks μ-law 8 kHz on carriers that speak it and 16 kHz PCM otherwise.
   */
  readonly format?: LmntFormat;
  /** PCM sample rate. Pins the output when set. */
  readonly sampleRate?: LmntSampleRate;
  /** ISO 639-1 code (`en`, `es` …); unset lets LMNT detect it (`auto`). Setting it is faster. */
  readonly language?: string;
  /** ≈0.3 neutral/consistent … ≈1.0 expressive. */
  readonly temperature?: number;
  /** ≈0.3 stable … ≈0.9 varied. */
  readonly topP?: number;
  /** Default `https://api.lmnt.com`. */
  readonly baseUrl?: string;
  /** Retries of a 429/5xx before the first audio byte. Default 2. */
  readonly maxRetries?: number;
  readonly logger?: Logger;
}

const DEFAULTS = {
  voice: 'leah',
  model: 'blizzard',
  sampleRate: 16000,
  baseUrl: 'https://api.lmnt.com',
  apiVersion: '1.1',
  maxRetries: 2,
} as const;

const SAMPLE_RATES: readonly number[] = [8000, 16000, 24000];
const KEY = 'lmnt';
const ENV = 'LMNT_API_KEY';

/**
 * LMNT text-to-speech over HTTP streaming (`POST /v1/ai/speech/bytes`, API 1.1).
 *
 * The speech-session WebSocket is not used: its only possible gain is LMNT's per-request setup,
 * which a loopback fake cannot measure; the HTTP path reuses a pooled keep-alive connection.
 *
 * @example
 * ```ts
 * import * as lmnt from '@patter/lmnt';
 * phone.agent({ stt, llm, tts: lmnt.TTS({ voice: 'leah', language: 'en' }) });
 * ```
 */
export class LmntTTS implements TTSProvider {
  readonly key = KEY;
  /** The model requests use (labels metrics and traces). */
  readonly model: string;
  readonly outputFormats: readonly AudioFormat[];
  private readonly apiKey: string;
  private readonly baseUrl: string;
  private readonly url: string;
  private readonly logger: Logger;
  private readonly options: LmntTTSOptions;

  constructor(options: LmntTTSOptions = {}) {
    this.apiKey = resolveApiKey(options.apiKey, ENV);
    this.model = options.model ?? DEFAULTS.model;
    this.baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl);
    this.url = joinUrl(this.baseUrl, '/v1/ai/speech/bytes');
    this.logger = options.logger ?? createConsoleLogger();
    this.options = options;
    if (options.voice !== undefined && options.voice.trim() === '') throw new ConfigError('voice', 'must not be empty');
    if (options.sampleRate !== undefined && !SAMPLE_RATES.includes(options.sampleRate)) {
      throw new ConfigError('sampleRate', `must be 8000, 16000 or 24000, got ${String(options.sampleRate)}`);
    }
    let format = options.format;
    if (format === 'raw') {
      this.logger.warn({ provider: KEY }, "lmnt format 'raw' is deprecated; sending 'pcm_s16le'");
      format = 'pcm_s16le';
    }
    if (format !== undefined && format !== 'pcm_s16le' && format !== 'ulaw') {
      throw new ConfigError('format', `must be 'pcm_s16le' or 'ulaw', got ${JSON.stringify(format)}`);
    }
    if (format === 'ulaw' && options.sampleRate !== undefined && options.sampleRate !== 8000) {
      throw new ConfigError('sampleRate', 'μ-law output is 8000 Hz only');
    }
    if (options.maxRetries !== undefined && !(Number.isInteger(options.maxRetries) && options.maxRetries >= 0)) {
      throw new ConfigError('maxRetries', 'must be a non-negative integer');
    }
    if (format === 'ulaw') this.outputFormats = [MULAW_8K];
    else if (format !== undefined || options.sampleRate !== undefined) {
      this.outputFormats = [audioFormat('pcm16', options.sampleRate ?? DEFAULTS.sampleRate)];
    } else this.outputFormats = [PCM16_16K, MULAW_8K, PCM16_8K, PCM16_24K];
  }

  /** Pins μ-law 8 kHz (Twilio's format). */
  static forTwilio(options: Omit<LmntTTSOptions, 'format' | 'sampleRate'> = {}): LmntTTS {
    return new LmntTTS({ ...options, format: 'ulaw' });
  }

  /**
   * What a Telnyx stream plays (`codec`: the Telnyx carrier's, PCMU by default): μ-law 8 kHz for
   * PCMU (untouched); for PCMA, which LMNT does not produce, 16-bit PCM 8 kHz (encoded, not resampled).
   */
  static forTelnyx(options: Omit<LmntTTSOptions, 'format' | 'sampleRate'> & { readonly codec?: 'PCMU' | 'PCMA' } = {}): LmntTTS {
    const { codec = 'PCMU', ...rest } = options;
    return new LmntTTS(codec === 'PCMU' ? { ...rest, format: 'ulaw' } : { ...rest, format: 'pcm_s16le', sampleRate: 8000 });
  }

  async *synthesize(text: string, options: TTSSynthesizeOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    const format = resolveOutputFormat(KEY, this.outputFormats, options.format);
    if (text.trim() === '') return;
    const o = this.options;
    const mulaw = format.encoding === 'mulaw';
    yield* streamHttpTTS({
      ...options, // signal, callId, onUsage: the caller's synthesis options
      provider: KEY,
      url: this.url,
      headers: { 'x-api-key': this.apiKey, 'lmnt-version': DEFAULTS.apiVersion, accept: 'application/octet-stream' },
      body: {
        voice: o.voice ?? DEFAULTS.voice,
        text,
        model: o.model ?? DEFAULTS.model,
        format: mulaw ? 'ulaw' : 'pcm_s16le',
        sample_rate: format.sampleRate,
        ...(o.language === undefined ? {} : { language: o.language }),
        ...(o.temperature === undefined ? {} : { temperature: o.temperature }),
        ...(o.topP === undefined ? {} : { top_p: o.topP }),
      },
      format,
      characters: text.length,
      apiKeyEnv: ENV,
      // LMNT's μ-law comes with a WAV header; PCM is headerless.
      wavHeader: mulaw ? 'stream' : 'none',
      retries: o.maxRetries ?? DEFAULTS.maxRetries,
      logger: options.logger ?? this.logger,
    });
  }

  /** Opens a pooled connection to LMNT (DNS, TCP, TLS). Never throws. */
  async warmup(): Promise<void> {
    await warmUpHttp(this.baseUrl, { provider: KEY, logger: this.logger });
  }
}
