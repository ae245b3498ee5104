import {
  ConfigError,
  PCM16_24K,
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

export type OpenAITTSModel = 'tts-1' | 'tts-1-hd' | 'gpt-4o-mini-tts' | 'gpt-4o-mini-tts-2025-12-15' | (string & {});
export type OpenAITTSVoice =
  | 'alloy' | 'ash' | 'ballad' | 'coral' | 'echo' | 'fable' | 'onyx' | 'nova' | 'sage' | 'shimmer' | 'verse' | 'marin' | 'cedar'
  | (string & {});

export interface OpenAITTSOptions {
  /** OpenAI API key. Default: `OPENAI_API_KEY`. */
  readonly apiKey?: string;
  readonly model?: OpenAITTSModel;
  /** A built-in voice name, or `{ id }` for a custom voice. */
  readonly voice?: OpenAITTSVoice | { readonly id: string };
  /** Style guidance (≤ 4096 characters). Not supported by `tts-1` / `tts-1-hd`. */
  readonly instructions?: string;
  /** 0.25–4.0. */
  readonly speed?: number;
  /** `OpenAI-Organization` header. */
  readonly organization?: string;
  /** `OpenAI-Project` header. */
  readonly project?: string;
  /** Default `https://api.openai.com/v1`. */
  readonly baseUrl?: string;
  /** Retries of a 429/5xx before the first audio byte. Default 2. */
  readonly maxRetries?: number;
  /** Longest silence of the audio body (before its first byte and between two), then the request is aborted. Default 5 s; 0 disables. */
  readonly idleTimeoutMs?: number;
  readonly logger?: Logger;
}

const DEFAULTS = {
  model: 'tts-1',
  voice: 'alloy',
  baseUrl: 'https://api.openai.com/v1',
  maxRetries: 2,
} as const;

const KEY = 'openai_tts';
const ENV = 'OPENAI_API_KEY';
const MAX_INPUT = 4096;

/**
 * OpenAI text-to-speech over HTTP streaming (`POST /audio/speech`, `response_format: pcm`):
 * 16-bit PCM at 24 kHz, the only headerless format OpenAI offers, so the call session
 * resamples (and μ-law encodes) for the carrier.
 *
 * @example
 * ```ts
 * import * as openai from '@patter/openai';
 * phone.agent({ stt, llm, tts: openai.TTS({ model: 'gpt-4o-mini-tts', voice: 'coral', instructions: 'Speak warmly.' }) });
 * ```
 */
export class OpenAITTS implements TTSProvider {
  readonly key = KEY;
  /** The model requests use (labels metrics and traces). */
  readonly model: string;
  readonly outputFormats: readonly AudioFormat[] = [PCM16_24K];
  private readonly apiKey: string;
  private readonly baseUrl: string;
  private readonly url: string;
  private readonly logger: Logger;
  private readonly headers: Record<string, string>;
  private readonly fields: Record<string, unknown>;
  private readonly maxRetries: number;
  private readonly idleTimeoutMs: number | undefined;

  constructor(options: OpenAITTSOptions = {}) {
    this.apiKey = resolveApiKey(options.apiKey, ENV);
    this.model = options.model ?? DEFAULTS.model;
    this.baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULTS.baseUrl);
    this.url = joinUrl(this.baseUrl, '/audio/speech');
    this.logger = options.logger ?? createConsoleLogger();
    const model = options.model ?? DEFAULTS.model;
    const { instructions, speed } = options;
    if (instructions !== undefined) {
      if (model === 'tts-1' || model === 'tts-1-hd') {
        throw new ConfigError('instructions', `${model} does not support instructions; use gpt-4o-mini-tts`);
      }
      if (instructions.length > MAX_INPUT) throw new ConfigError('instructions', `at most ${MAX_INPUT} characters`);
    }
    if (speed !== undefined && !(speed >= 0.25 && speed <= 4)) {
      throw new ConfigError('speed', `must be 0.25–4.0, got ${String(speed)}`);
    }
    if (options.maxRetries !== undefined && !(Number.isInteger(options.maxRetries) && options.maxRetries >= 0)) {
      throw new ConfigError('maxRetries', 'must be a non-negative integer');
    }
    this.maxRetries = options.maxRetries ?? DEFAULTS.maxRetries;
    if (options.idleTimeoutMs !== undefined && !(options.idleTimeoutMs >= 0)) throw new ConfigError('idleTimeoutMs', 'must be zero (off) or a positive number of ms');
    this.idleTimeoutMs = options.idleTimeoutMs;
    this.headers = {
      authorization: `Bearer ${this.apiKey}`,
      accept: 'application/octet-stream',
      ...(options.organization ? { 'openai-organization': options.organization } : {}),
      ...(options.project ? { 'openai-project': options.project } : {}),
    };
    this.fields = {
      model,
      voice: options.voice ?? DEFAULTS.voice,
      response_format: 'pcm',
      ...(instructions === undefined ? {} : { instructions }),
      ...(speed === undefined ? {} : { speed }),
    };
  }

  async *synthesize(text: string, options: TTSSynthesizeOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    const format = resolveOutputFormat(KEY, this.outputFormats, options.format);
    if (text.trim() === '') return;
    if (text.length > MAX_INPUT) throw new ConfigError('text', `OpenAI TTS takes at most ${MAX_INPUT} characters per request`);
    yield* streamHttpTTS({
      ...options, // signal, callId, onUsage: the caller's synthesis options
      provider: KEY,
      url: this.url,
      headers: this.headers,
      body: { ...this.fields, input: text },
      format,
      characters: text.length,
      apiKeyEnv: ENV,
      requestIdHeader: 'x-request-id', // every OpenAI API response names its request
      retries: this.maxRetries,
      ...(this.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: this.idleTimeoutMs }),
      logger: options.logger ?? this.logger,
    });
  }

  /** Opens a pooled connection to OpenAI (DNS, TCP, TLS). Never throws. */
  async warmup(): Promise<void> {
    await warmUpHttp(this.baseUrl, { provider: KEY, logger: this.logger });
  }
}
