import {
  ConfigError,
  PCM16_16K,
  PCM16_24K,
  PCM16_48K,
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
import { decodeInworldStream } from './decode-inworld-stream.js';

export type InworldModel =
  | 'inworld-tts-2'
  | 'inworld-tts-1.5-max'
  | 'inworld-tts-1.5-mini'
  | 'inworld-tts-1'
  | 'inworld-tts-1-max'
  | (string & {});
/** `inworld-tts-2` only. */
export type InworldDeliveryMode = 'STABLE' | 'BALANCED' | 'CREATIVE';

export interface InworldTTSOptions {
  /** The Base64 credential copied from the Inworld Portal, sent as is. Default: `INWORLD_API_KEY`. */
  readonly apiKey?: string;
  readonly voice?: string;
  readonly model?: InworldModel;
  /** LINEAR16 sample rate, 8000–48000. Pins the output when set. */
  readonly sampleRate?: number;
  /** Bits per second. */
  readonly bitRate?: number;
  /** 0.5–1.5; 1.0 is normal. */
  readonly speakingRate?: number;
  /** 0 < t ≤ 2; unset uses the model's default. */
  readonly temperature?: number;
  /** `inworld-tts-2` only. */
  readonly deliveryMode?: InworldDeliveryMode;
  /** BCP-47 tag. */
  readonly language?: string;
  /** Default `https://api.inworld.ai`. */
  readonly baseUrl?: string;
  /** Retries of a 429/5xx before the first audio byte. Default 2. */
  readonly maxRetries?: number;
  readonly logger?: Logger;
}

const DEFAULTS = {
  voice: 'Ashley',
  model: 'inworld-tts-2',
  sampleRate: 16000,
  bitRate: 64000,
  speakingRate: 1.0,
  baseUrl: 'https://api.inworld.ai',
  maxRetries: 2,
} as const;

const KEY = 'inworld';
const ENV = 'INWORLD_API_KEY';
const DELIVERY_MODES: readonly string[] = ['STABLE', 'BALANCED', 'CREATIVE'];

/**
 * Inworld text-to-speech over HTTP NDJSON streaming (`POST /tts/v1/voice:stream`), LINEAR16
 * with any per-chunk WAV header stripped.
 *
 * @example
 * ```ts
 * import * as inworld from '@patter/inworld';
 * phone.agent({ stt, llm, tts: inworld.TTS({ voice: 'Ashley', deliveryMode: 'BALANCED' }) });
 * ```
 */
export class InworldTTS implements TTSProvider {
  readonly key = KEY;
  /** The model requests use (labels metrics and traces). */
  readonly model: string;
  readonly outputFormats: readonly AudioFormat[];
  private readonly apiKey: string;
  private readonly baseUrl: string;
  private readonly url: string;
  private readonly logger: Logger;
  private readonly options: InworldTTSOptions;

  constructor(options: InworldTTSOptions = {}) {
    this.apiKey = resolveApiKey(options.apiKey, ENV);
    this.model = options.model ?? DEFAULTS.model;
    this.baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl);
    this.url = joinUrl(this.baseUrl, '/tts/v1/voice:stream');
    this.logger = options.logger ?? createConsoleLogger();
    this.options = options;
    const { sampleRate, speakingRate, temperature, deliveryMode, bitRate } = options;
    if (sampleRate !== undefined && !(Number.isInteger(sampleRate) && sampleRate >= 8000 && sampleRate <= 48000)) {
      throw new ConfigError('sampleRate', `must be an integer from 8000 to 48000, got ${String(sampleRate)}`);
    }
    if (speakingRate !== undefined && !(speakingRate >= 0.5 && speakingRate <= 1.5)) {
      throw new ConfigError('speakingRate', `must be 0.5–1.5, got ${String(speakingRate)}`);
    }
    if (temperature !== undefined && !(temperature > 0 && temperature <= 2)) {
      throw new ConfigError('temperature', `must be in (0, 2], got ${String(temperature)}`);
    }
    if (bitRate !== undefined && !(Number.isInteger(bitRate) && bitRate > 0)) {
      throw new ConfigError('bitRate', 'must be a positive integer');
    }
    if (deliveryMode !== undefined) {
      if (!DELIVERY_MODES.includes(deliveryMode)) throw new ConfigError('deliveryMode', 'must be STABLE, BALANCED or CREATIVE');
      if ((options.model ?? DEFAULTS.model) !== 'inworld-tts-2') throw new ConfigError('deliveryMode', 'only inworld-tts-2 supports it');
    }
    if (options.maxRetries !== undefined && !(Number.isInteger(options.maxRetries) && options.maxRetries >= 0)) {
      throw new ConfigError('maxRetries', 'must be a non-negative integer');
    }
    this.outputFormats =
      sampleRate === undefined ? [PCM16_16K, PCM16_8K, PCM16_24K, PCM16_48K] : [audioFormat('pcm16', sampleRate)];
  }

  /** 16-bit PCM 8 kHz. */
  static forTwilio(options: Omit<InworldTTSOptions, 'sampleRate'> = {}): InworldTTS {
    return new InworldTTS({ ...options, sampleRate: 8000 });
  }

  /** 16-bit PCM 8 kHz: a Telnyx stream plays PCMU/PCMA 8 kHz, so only the codec step remains (no resampling). */
  static forTelnyx(options: Omit<InworldTTSOptions, 'sampleRate'> = {}): InworldTTS {
    return new InworldTTS({ ...options, sampleRate: 8000 });
  }

  async *synthesize(text: string, options: TTSSynthesizeOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    const format = resolveOutputFormat(KEY, this.outputFormats, options.format);
    if (text.trim() === '') return;
    const o = this.options;
    yield* streamHttpTTS({
      ...options, // signal, callId, onUsage: the caller's synthesis options
      provider: KEY,
      url: this.url,
      headers: { authorization: `Basic ${this.apiKey}` },
      body: {
        text,
        voiceId: o.voice ?? DEFAULTS.voice,
        modelId: o.model ?? DEFAULTS.model,
        audioConfig: {
          audioEncoding: 'LINEAR16',
          sampleRateHertz: format.sampleRate,
          bitRate: o.bitRate ?? DEFAULTS.bitRate,
          speakingRate: o.speakingRate ?? DEFAULTS.speakingRate,
        },
        ...(o.temperature === undefined ? {} : { temperature: o.temperature }),
        ...(o.deliveryMode === undefined ? {} : { deliveryMode: o.deliveryMode }),
        ...(o.language === undefined ? {} : { language: o.language }),
      },
      format,
      characters: text.length,
      apiKeyEnv: ENV,
      decode: decodeInworldStream(options.callId),
      wavHeader: 'chunk',
      retries: o.maxRetries ?? DEFAULTS.maxRetries,
      logger: options.logger ?? this.logger,
    });
  }

  /** Opens a pooled connection to Inworld (DNS, TCP, TLS). Never throws. */
  async warmup(): Promise<void> {
    await warmUpHttp(this.baseUrl, { provider: KEY, logger: this.logger });
  }
}
