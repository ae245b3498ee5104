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

/** `arcana` was retired on 2026-08-15 (accepted, with a warning). */
export type RimeModel = 'coda' | 'mistv2' | 'mist' | 'arcana' | (string & {});

export interface RimeTTSOptions {
  /** Rime API key. Default: `RIME_API_KEY`. */
  readonly apiKey?: string;
  readonly model?: RimeModel;
  /** Voice name valid for the model. Default: `luna` (coda, arcana), `cove` (mist, mistv2). */
  readonly speaker?: string;
  /** `eng`, `spa`, `fra`, `por`, `deu`, `jpn` (or the 2-letter codes); must match the speaker. */
  readonly lang?: string;
  /** PCM sample rate: 8000, 16000, 22050, 24000, 44100 or 48000. Pins the output when set. */
  readonly sampleRate?: number;
  /**
   * Speaking rate, direction per model: on `mist`/`mistv2` below 1.0 is faster and above is
   * slower; on `coda` it is inverted (above 1.0 is faster). Not used by `arcana` (use `timeScaleFactor`).
   */
  readonly speedAlpha?: number;
  /** `coda`/`arcana` only: above 1.0 is slower. */
  readonly timeScaleFactor?: number;
  /** `mistv2` only: trade some digit/abbreviation accuracy for latency. */
  readonly reduceLatency?: boolean;
  /** Default `https://users.rime.ai`. */
  readonly baseUrl?: string;
  /** Retries of a 429/5xx before the first audio byte. Default 2. */
  readonly maxRetries?: number;
  readonly logger?: Logger;
}

const DEFAULTS = {
  model: 'coda',
  lang: 'eng',
  sampleRate: 16000,
  baseUrl: 'https://users.rime.ai',
  maxRetries: 2,
} as const;

const SAMPLE_RATES: readonly number[] = [8000, 16000, 22050, 24000, 44100, 48000];
const KEY = 'rime';
const ENV = 'RIME_API_KEY';

const isMist = (model: string): boolean => model.startsWith('mist');

/**
 * Rime text-to-speech over HTTP streaming (`POST /v1/rime-tts`, output chosen by `Accept`).
 *
 * @example
 * ```ts
 * import * as rime from '@patter/rime';
 * phone.agent({ stt, llm, tts: rime.TTS({ speaker: 'luna' }) });
 * ```
 */
export class RimeTTS implements TTSProvider {
  readonly key = KEY;
  /** The model requests use (labels metrics and traces). */
  readonly model: string;
  readonly outputFormats: readonly AudioFormat[];
  private readonly apiKey: string;
  private readonly baseUrl: string;
  private readonly url: string;
  private readonly logger: Logger;
  private readonly fields: Record<string, unknown>;
  private readonly maxRetries: number;

  constructor(options: RimeTTSOptions = {}) {
    this.apiKey = resolveApiKey(options.apiKey, ENV);
    this.model = options.model ?? DEFAULTS.model;
    this.baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl);
    this.url = joinUrl(this.baseUrl, '/v1/rime-tts');
    this.logger = options.logger ?? createConsoleLogger();
    const model = options.model ?? DEFAULTS.model;
    if (model.trim() === '') throw new ConfigError('model', 'must not be empty');
    if (model === 'arcana') {
      this.logger.warn({ provider: KEY }, "rime model 'arcana' was retired on 2026-08-15; use 'coda'");
    }
    if (options.sampleRate !== undefined && !SAMPLE_RATES.includes(options.sampleRate)) {
      throw new ConfigError('sampleRate', `must be one of ${SAMPLE_RATES.join(', ')}, got ${String(options.sampleRate)}`);
    }
    if (options.speedAlpha !== undefined) {
      if (!(options.speedAlpha > 0)) throw new ConfigError('speedAlpha', 'must be a positive number');
      if (model === 'arcana') throw new ConfigError('speedAlpha', "arcana does not take speedAlpha; use timeScaleFactor (above 1.0 is slower)");
    }
    if (options.timeScaleFactor !== undefined) {
      if (!(options.timeScaleFactor > 0)) throw new ConfigError('timeScaleFactor', 'must be a positive number');
      // mistv3 takes it like coda/arcana (protocols/tts/rime.md); mist and mistv2 only speedAlpha.
      if (isMist(model) && model !== 'mistv3') throw new ConfigError('timeScaleFactor', `${model} does not take timeScaleFactor; use speedAlpha`);
    }
    if (options.reduceLatency !== undefined && model !== 'mistv2') {
      throw new ConfigError('reduceLatency', 'only mistv2 supports it');
    }
    if (options.maxRetries !== undefined && !(Number.isInteger(options.maxRetries) && options.maxRetries >= 0)) {
      throw new ConfigError('maxRetries', 'must be a non-negative integer');
    }
    this.maxRetries = options.maxRetries ?? DEFAULTS.maxRetries;
    this.fields = {
      speaker: options.speaker ?? (isMist(model) ? 'cove' : 'luna'),
      modelId: model,
      lang: options.lang ?? DEFAULTS.lang,
      ...(options.speedAlpha === undefined ? {} : { speedAlpha: options.speedAlpha }),
      ...(options.timeScaleFactor === undefined ? {} : { timeScaleFactor: options.timeScaleFactor }),
      ...(options.reduceLatency === undefined ? {} : { reduceLatency: options.reduceLatency }),
    };
    this.outputFormats =
      options.sampleRate === undefined
        ? [PCM16_16K, MULAW_8K, PCM16_8K, PCM16_24K]
        : options.sampleRate === 8000
          ? [PCM16_8K, MULAW_8K]
          : [audioFormat('pcm16', options.sampleRate)];
  }

  /** 8 kHz: μ-law when the carrier speaks it (Twilio), else 16-bit PCM. */
  static forTwilio(options: Omit<RimeTTSOptions, 'sampleRate'> = {}): RimeTTS {
    return new RimeTTS({ ...options, sampleRate: 8000 });
  }

  /**
   * 8 kHz, what a Telnyx stream plays: μ-law on a PCMU call (untouched), 16-bit PCM 8 kHz that
   * only needs encoding on a PCMA call; no resampling either way.
   */
  static forTelnyx(options: Omit<RimeTTSOptions, 'sampleRate'> = {}): RimeTTS {
    return new RimeTTS({ ...options, sampleRate: 8000 });
  }

  async *synthesize(text: string, options: TTSSynthesizeOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    const format = resolveOutputFormat(KEY, this.outputFormats, options.format);
    if (text.trim() === '') return;
    yield* streamHttpTTS({
      ...options, // signal, callId, onUsage: the caller's synthesis options
      provider: KEY,
      url: this.url,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        accept: format.encoding === 'mulaw' ? 'audio/PCMU' : 'audio/L16',
      },
      body: { ...this.fields, text, samplingRate: format.sampleRate },
      format,
      characters: text.length,
      apiKeyEnv: ENV,
      retries: this.maxRetries,
      logger: options.logger ?? this.logger,
    });
  }

  /** Opens a pooled connection to Rime (DNS, TCP, TLS). Never throws. */
  async warmup(): Promise<void> {
    await warmUpHttp(this.baseUrl, { provider: KEY, logger: this.logger });
  }
}
